"""A CSV import end to end: what lands, what is rejected and why, and that running it again changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import override_settings

from apps.audit.models import AuditEvent
from apps.core.errors import DomainError
from apps.debtors.models import ContactPoint, Debtor
from apps.debts.models import Debt, EntryKind, LedgerEntry
from apps.debts.services import debt_balance_minor, debt_payment_record, debt_transition
from apps.imports.models import ImportJob
from apps.imports.services import import_job_configure, import_job_create
from tests.imports.conftest import HEADER, csv_bytes, upload

GOOD = (
    "C-1,Camille Martin,camille@example.fr,06 12 34 56 78,INV-1,Consulting,120.50,EUR,2026-01-10,2026-02-10",
    "C-1,Camille Martin,,,INV-2,,99,,2026-03-01,2026-04-01",
    "C-2,Bruno Lefèvre,bruno@example.fr,+48 512 345 678,INV-3,Hosting,1500,EUR,2026-01-05,2026-01-31",
)

pytestmark = pytest.mark.usefixtures("tenant")


def errors_of(job: ImportJob) -> dict[tuple[int, str], str]:
    return {(e.row, e.field): e.message for e in job.row_errors.all()}


@time_machine.travel(dt.datetime(2026, 3, 15, 12, tzinfo=dt.UTC), tick=False)
def test_it_creates_debtors_debts_charges_and_contact_points(run_import):
    job = run_import(csv_bytes(*GOOD))

    assert (job.status, job.created_count, job.updated_count, job.rejected_count) == ("done", 3, 0, 0)
    camille = Debtor.objects.get(external_ref="C-1")
    assert camille.name == "Camille Martin"
    assert set(camille.contact_points.values_list("kind", "value", "is_primary")) == {
        ("email", "camille@example.fr", True),
        ("phone", "+33612345678", True),
    }
    debt = Debt.objects.get(external_ref="INV-1")
    assert (debt.original_amount_minor, debt.currency, debt.status) == (12050, "EUR", "overdue")
    assert Debt.objects.get(external_ref="INV-2").status == "open"
    charge = LedgerEntry.objects.get(debt=debt)
    assert (charge.kind, charge.amount_minor, charge.occurred_on) == (EntryKind.CHARGE, 12050, dt.date(2026, 1, 10))
    assert debt_balance_minor(Debt.objects.get(external_ref="INV-3")) == 150000


def test_it_creates_nothing_when_the_same_file_runs_twice(run_import):
    data = csv_bytes(*GOOD)
    run_import(data)
    counts = (Debtor.objects.count(), Debt.objects.count(), LedgerEntry.objects.count(), ContactPoint.objects.count())

    again = run_import(data)

    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 3)
    assert counts == (
        Debtor.objects.count(),
        Debt.objects.count(),
        LedgerEntry.objects.count(),
        ContactPoint.objects.count(),
    )


def test_it_enters_a_changed_amount_as_an_adjustment_and_audits_the_change(run_import, actor):
    run_import(csv_bytes(*GOOD))
    debt = Debt.objects.get(external_ref="INV-1")
    debt_payment_record(debt=debt, amount_minor=2050, received_on=dt.date(2026, 2, 1), method="transfer", actor=actor)

    job = run_import(
        csv_bytes(
            "C-1,Camille Martin,,,INV-1,Consulting (revised),150.00,EUR,2026-01-10,2026-02-20",
            GOOD[1],
            GOOD[2],
        )
    )

    debt.refresh_from_db()
    assert (job.updated_count, job.unchanged_count) == (1, 2)
    assert debt.original_amount_minor == 15000
    assert debt.description == "Consulting (revised)"
    assert debt.due_date == dt.date(2026, 2, 20)
    adjustment = LedgerEntry.objects.get(debt=debt, kind=EntryKind.ADJUSTMENT)
    assert adjustment.amount_minor == 2950
    assert adjustment.reference.startswith(f"import:{job.pk}:")
    assert debt_balance_minor(debt) == 15000 - 2050
    event = AuditEvent.objects.get(action="debt.updated", object_id=str(debt.pk))
    assert event.before["original_amount_minor"] == 12050
    assert event.after["original_amount_minor"] == 15000
    assert event.after["description"] == "Consulting (revised)"


def test_it_audits_the_job_with_who_file_and_counts(run_import, manager):
    job = run_import(csv_bytes(*GOOD), name="march.csv")

    event = AuditEvent.objects.get(action="import.completed", object_id=str(job.pk))
    assert event.actor_user == manager
    assert event.after["file"] == "march.csv"
    assert (event.after["created"], event.after["rejected"]) == (3, 0)


def test_it_rejects_changes_that_would_rewrite_history(run_import, actor):
    run_import(csv_bytes(*GOOD))
    debt_transition(debt=Debt.objects.get(external_ref="INV-3"), name="mark_paid", actor=actor)

    job = run_import(
        csv_bytes(
            "C-1,Camille Martin,,,INV-1,,120.50,USD,2026-01-10,2026-02-10",
            "C-9,Someone Else,,,INV-2,,99,EUR,2026-03-01,2026-04-01",
            "C-2,Bruno Lefèvre,,,INV-3,,1600,EUR,2026-01-05,2026-01-31",
        )
    )

    errors = errors_of(job)
    assert "its currency cannot change" in errors[(2, "currency")]
    assert "belongs to debtor C-1" in errors[(3, "debtor_ref")]
    assert "is closed" in errors[(4, "amount")]
    assert job.rejected_count == 3
    assert not Debtor.objects.filter(external_ref="C-9").exists()
    assert Debt.objects.get(external_ref="INV-3").original_amount_minor == 150000
    assert not LedgerEntry.objects.filter(kind=EntryKind.ADJUSTMENT).exists()


def test_it_lands_valid_rows_and_leaves_rejected_rows_out(run_import):
    job = run_import(
        csv_bytes(
            GOOD[0],
            "C-5,Nadia Nowak,not-an-email,,INV-5,,10,EUR,2026-01-01,2026-02-01",
            "C-6,Olek,,,INV-6,,-5,EUR,2026-01-01,2026-02-01",
            "C-7,Piotr,,,INV-7,,abc,EUR,2026-01-01,2026-02-01",
            "C-8,Quentin,,,INV-8,,10.123,EUR,2026-01-01,2026-02-01",
            "C-8,Quentin,,,INV-9,,10.5,JPY,2026-01-01,2026-02-01",
            "C-8,Quentin,,,INV-10,,10,XYZ,2026-01-01,2026-02-01",
            "C-8,Quentin,,,INV-11,,10,EUR,2026-02-31,2026-03-01",
            "C-8,Quentin,,,INV-12,,10,EUR,2026-02-01,2026-01-01",
            "C-8,Quentin,,,INV-13,,10,EUR,2026-02-01,2026-03-01",
            "C-8,Quentin,,,INV-13,,11,EUR,2026-02-01,2026-03-01",
            "C-8,Quentin,,12,INV-14,,10,EUR,2026-02-01,2026-03-01",
        )
    )

    errors = errors_of(job)
    assert errors[(3, "email")] == "“not-an-email” is not a valid email address."
    assert errors[(4, "amount")] == "The amount -5 is negative."
    assert "“abc” is not a number" in errors[(5, "amount")]
    assert errors[(6, "amount")] == "10.123 has more decimals than EUR allows (2)."
    assert errors[(7, "amount")] == "10.5 has more decimals than JPY allows (0)."
    assert errors[(8, "currency")] == "“XYZ” is not an ISO 4217 currency code."
    assert "“2026-02-31” is not a valid date" in errors[(9, "issue_date")]
    assert errors[(10, "due_date")] == "The due date is before the issue date."
    assert errors[(11, "debt_ref")] == "Reference INV-13 is also on row 12."
    assert errors[(12, "debt_ref")] == "Reference INV-13 is also on row 11."
    assert errors[(13, "phone")] == "“12” is not a valid phone number."
    assert (job.created_count, job.rejected_count) == (1, 11)
    assert list(Debt.objects.values_list("external_ref", flat=True)) == ["INV-1"]
    assert set(Debtor.objects.values_list("external_ref", flat=True)) == {"C-1"}


def test_it_reads_semicolons_day_first_dates_and_decimal_commas(run_import):
    header = HEADER.replace(",", ";")
    job = run_import(
        csv_bytes(
            "C-1;Camille;;;INV-1;;1 234,56;EUR;31/01/2026;28.02.2026",
            "C-1;Camille;;;INV-2;;1.000,5;EUR;31/02/2026;01/03/2026",
            header=header,
        ),
        decimal_comma=True,
        date_order="dmy",
    )

    assert job.delimiter == ";"
    debt = Debt.objects.get(external_ref="INV-1")
    assert (debt.original_amount_minor, debt.issue_date, debt.due_date) == (
        123456,
        dt.date(2026, 1, 31),
        dt.date(2026, 2, 28),
    )
    assert "“31/02/2026” is not a valid date" in errors_of(job)[(3, "issue_date")]


def test_it_guesses_conventions_from_the_rows_and_reads_month_first_dates(run_import):
    job = run_import(csv_bytes("C-1,Camille,,,INV-1,,1500.25,USD,01/31/2026,02/28/2026"))

    assert job.date_order == "mdy"
    assert not job.decimal_comma
    assert Debt.objects.get(external_ref="INV-1").issue_date == dt.date(2026, 1, 31)


@pytest.mark.parametrize(
    ("encoding", "bom"), [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("cp1252", b""), ("utf-16", b"")]
)
def test_it_reads_other_encodings(run_import, encoding, bom):
    data = bom + csv_bytes(
        "C-1,Hélène Lefèvre-Dupré,,,INV-1,Réparation chaudière,120,EUR,2026-01-10,2026-02-10",
        "C-2,François Bézier,,,INV-2,Dépannage électrique été,80,EUR,2026-01-10,2026-02-10",
        encoding=encoding,
    )

    job = run_import(data)

    assert job.status == "done", job.failure_message
    assert Debtor.objects.get(external_ref="C-1").name == "Hélène Lefèvre-Dupré"
    assert Debt.objects.get(external_ref="INV-2").description == "Dépannage électrique été"


def test_it_refuses_a_file_that_is_not_text(actor):
    data = b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)) * 20

    with pytest.raises(DomainError, match="not a text file"):
        import_job_create(upload=upload(data, "debts.xlsx"), actor=actor)
    assert not ImportJob.objects.exists()


def test_it_refuses_a_file_whose_encoding_changes_halfway(actor, monkeypatch):
    # UTF-8 as far as the sniffed start goes, then a row saved as Windows-1252.
    monkeypatch.setattr("apps.imports.files.SAMPLE", 200)
    data = csv_bytes(*GOOD) + "C-3,Zoë,,,INV-9,,5,EUR,2026-01-10,2026-02-10\n".encode("cp1252")

    with pytest.raises(DomainError, match="cannot be decoded"):
        import_job_create(upload=upload(data), actor=actor)
    assert not ImportJob.objects.exists()


@override_settings(AMIABLE_IMPORT_MAX_BYTES=1000)
def test_it_refuses_a_file_over_the_size_limit(actor):
    data = csv_bytes(*(GOOD * 20))

    with pytest.raises(DomainError, match="largest file you can import is 1000"):
        import_job_create(upload=upload(data), actor=actor)
    assert not ImportJob.objects.exists()


def test_it_requires_the_required_columns(actor):
    job = import_job_create(upload=upload(csv_bytes(GOOD[0], header=HEADER.replace("amount", "notes"))), actor=actor)

    with pytest.raises(DomainError, match="Choose a column for: Amount"):
        import_job_configure(job=job, mapping=job.mapping, date_order=job.date_order, decimal_comma=False, actor=actor)


def test_it_rejects_ragged_rows_one_by_one(run_import):
    job = run_import(csv_bytes(GOOD[0], "C-2,too,few", "", GOOD[2]))

    assert job.status == "done"
    assert errors_of(job)[(3, "row")] == "This row has 3 columns; the header has 10."
    assert set(Debt.objects.values_list("external_ref", flat=True)) == {"INV-1", "INV-3"}


def test_it_gives_imported_rows_time_ordered_ids(run_import):
    run_import(csv_bytes(*GOOD))
    ids = [
        *Debtor.objects.values_list("id", flat=True),
        *Debt.objects.values_list("id", flat=True),
        *ContactPoint.objects.values_list("id", flat=True),
    ]

    # Version 7: the creation time in milliseconds leads, so a large import appends to its indexes.
    assert {i.version for i in ids} == {7}
    assert Debtor.objects.get(external_ref="C-1").id.hex[:12] <= Debt.objects.get(external_ref="INV-1").id.hex[:12]
