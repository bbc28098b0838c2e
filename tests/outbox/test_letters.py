"""E4 letters: WeasyPrint PDFs with the jurisdiction blocks (FR R124-4, US validation notice), one file per run."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.db import connection
from pypdf import PdfReader

from apps.audit.services import Actor
from apps.debtors.services import contact_point_add
from apps.engine.models import CollectionRun
from apps.outbox.letters import letters_merge, validation_end_date
from apps.outbox.models import MessageStatus
from apps.policies.models import Channel
from tests.factories import make_debt, make_debtor

pytestmark = pytest.mark.usefixtures("frozen_clock")


def _text(pdf: bytes) -> str:
    return " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(pdf)).pages)


def test_it_ends_the_us_validation_period_30_days_after_assumed_receipt() -> None:
    # Sent Friday 4 September 2026: receipt assumed 5 business days later, Labor Day (7 September) skipped.
    assert validation_end_date(dt.date(2026, 9, 4)) == dt.date(2026, 10, 14)


def test_it_prints_a_french_agency_letter_with_the_r124_4_blocks(enqueue: Any) -> None:
    message = enqueue(Channel.LETTER, body="Madame, Monsieur,\nNous vous écrivons au sujet de la facture INV-1.")

    assert message.status == MessageStatus.SENT
    assert message.provider == "print"
    text = _text(message.pdf.read())
    for expected in [
        "Acme Recouvrement SARL",
        "12 rue des Lilas",
        "Camille Durand",
        "8 avenue Foch",
        "75116 Paris",
        "C-100",
        "Nous vous écrivons au sujet de la facture INV-1.",
        "INV-1",
        "R. 124-4",
        "Créancier",
        "Fondement de la créance",
        "L. 111-8",
        "120,00",
    ]:
        assert expected in text, expected


def test_it_gives_a_us_consumer_first_letter_its_validation_notice(other_tenant: Any, frozen_clock: Any) -> None:
    from apps.outbox.letters import letter_pdf
    from apps.outbox.models import Message

    connection.set_tenant(other_tenant)
    actor = Actor.system("test")
    debtor = make_debtor(actor, "US-1", "Jamie Smith")
    point = contact_point_add(
        debtor=debtor,
        kind="address",
        value="5 Elm Street, Springfield, IL 62701, US",
        address_line1="5 Elm Street",
        postal_code="62701",
        city="Springfield",
        country="US",
        actor=actor,
    )
    debt = make_debt(actor, debtor, "US-INV-1", 250_00, currency="USD", days_past_due=5)
    message = Message.objects.create(
        idempotency_key="us-first",
        debtor=debtor,
        channel=Channel.LETTER,
        contact_point=point,
        to_address=point.value,
        locale="en",
        stage="friendly",
        body="Dear Jamie Smith,\nthis is about invoice US-INV-1.",
        created_by_label="test",
    )
    message.debts.set([debt])

    text = _text(letter_pdf(message, sent_on=dt.date(2026, 9, 4)))

    assert "Globex Corporation" in text
    assert "Validation notice" in text
    assert "Validation period ends: October 14, 2026" in text
    assert "If you do not dispute this debt" in text
    assert "$250.00" in text
    assert "R. 124-4" not in text


def test_it_merges_a_runs_letters_into_one_print_file(enqueue: Any, debtor: Any, actor: Any) -> None:
    run = CollectionRun.objects.create(run_date=dt.date(2026, 11, 20))
    others = [make_debtor(actor, f"C-2{i}", f"Debtor {i}") for i in range(3)]
    for i, other in enumerate(others):
        point = contact_point_add(
            debtor=other,
            kind="address",
            value=f"{i} rue Neuve, 69001 Lyon",
            address_line1=f"{i} rue Neuve",
            postal_code="69001",
            city="Lyon",
            country="FR",
            actor=actor,
        )
        make_debt(actor, other, f"INV-2{i}", 50_00, days_past_due=40)
        enqueue(Channel.LETTER, key=f"run:{i}", to=other, contact_point=point, run=run, deliver=False)
    enqueue(Channel.LETTER, key="run:camille", run=run, deliver=False)

    letters_merge(run)

    run.refresh_from_db()
    assert run.letters_pdf.name.endswith(".pdf")
    reader = PdfReader(run.letters_pdf.path)
    assert len(reader.pages) == 4
    first_lines = [" ".join((p.extract_text() or "").split()) for p in reader.pages]
    assert [next(n for n in ["Camille Durand", "Debtor 0", "Debtor 1", "Debtor 2"] if n in t) for t in first_lines] == [
        "Camille Durand",
        "Debtor 0",
        "Debtor 1",
        "Debtor 2",
    ]
