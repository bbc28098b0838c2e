from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.debtors.models import Debtor
from apps.debts.services import debt_payment_record
from apps.outbox.models import Message
from apps.payments.models import CardPayment, PaymentPurpose, PaymentStatus
from apps.portal.access import SESSION_KEY
from tests.factories import make_debt, make_debtor

pytestmark = pytest.mark.django_db


def signed_in(client, debtor: Debtor):
    session = client.session
    session[SESSION_KEY] = str(debtor.pk)
    session.save()
    client.cookies["django_language"] = "en"
    return client


def letter(debtor: Debtor, key: str, pdf: bytes | None = b"%PDF-1.4 letter") -> Message:
    message = Message.objects.create(
        idempotency_key=key,
        debtor=debtor,
        channel="letter",
        to_address="8 avenue Foch, 75116 Paris, FR",
        locale="fr",
        stage="firm",
        subject="Relance",
        body="Lettre",
        status="sent",
        created_by_label="test",
    )
    if pdf is not None:
        message.pdf.save(f"{key}.pdf", ContentFile(pdf))
    return message


def test_it_shows_an_itemised_balance_with_legal_bases_and_payments(debtor, portal_client):
    body = signed_in(portal_client, debtor).get("/p/").content.decode()
    assert "Invoice INV-1" in body
    for text in ("Principal", "Interest", "Fees", "Payments", "Code de commerce L441-10", "Code de commerce D441-5"):
        assert text in body
    assert "€141.50" in body  # 120.00 + 1.50 + 40.00 − 20.00
    assert "Your payments" in body
    assert "-€20.00" in body or "−€20.00" in body


def test_it_lists_the_messages_sent_with_the_letter_pdf(debtor, portal_client):
    message = letter(debtor, "l-1")
    client = signed_in(portal_client, debtor)
    body = client.get("/p/").content.decode()
    assert "Relance" in body
    assert f"/p/letters/{message.pk}/pdf/" in body
    response = client.get(f"/p/letters/{message.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == b"%PDF-1.4 letter"


def test_it_shows_a_debtor_nothing_of_another_debtor(debtor, actor, portal_client):
    other = make_debtor(actor, "C-200", "Bruno Autre")
    make_debt(actor, other, "INV-OTHER", 99_00)
    theirs = letter(other, "l-other")
    client = signed_in(portal_client, debtor)
    body = client.get("/p/").content.decode()
    assert "INV-OTHER" not in body
    assert "Bruno" not in body
    assert client.get(f"/p/letters/{theirs.pk}/pdf/").status_code == 404


def test_it_serves_no_letter_to_someone_without_a_portal_session(debtor, portal_client):
    mine = letter(debtor, "l-2")
    assert portal_client.get(f"/p/letters/{mine.pk}/pdf/").status_code == 404


def test_it_speaks_the_debtors_language_and_lets_them_switch(debtor, portal_client):
    session = portal_client.session
    session[SESSION_KEY] = str(debtor.pk)
    session.save()
    french = portal_client.get("/p/")
    assert '<html lang="fr">' in french.content.decode()
    portal_client.post("/i18n/setlang/", {"language": "pl", "next": "/p/"})
    assert '<html lang="pl">' in portal_client.get("/p/").content.decode()


def test_it_has_no_staff_navigation_and_a_sign_out(debtor, portal_client):
    body = signed_in(portal_client, debtor).get("/p/").content.decode()
    assert "/debtors/" not in body
    assert 'action="/p/sign-out/"' in body
    assert "<script" not in body


def test_it_reads_the_overview_in_a_fixed_number_of_queries(debtor, actor, portal_client):
    client = signed_in(portal_client, debtor)
    letter(debtor, "l-3")
    client.get("/p/")
    with CaptureQueriesContext(connection) as one:
        assert client.get("/p/").status_code == 200
    for n in range(4):
        make_debt(actor, debtor, f"INV-MORE-{n}", 10_00 + n)
        letter(debtor, f"l-more-{n}")
    with CaptureQueriesContext(connection) as many:
        assert client.get("/p/").status_code == 200
    assert len(one) == len(many)
    # Tenant's domain, session, debtor, debts, ledger entries, payments, messages, saved cards (django-tenants adds
    # its SET search_path).
    assert len([q for q in many.captured_queries if not q["sql"].startswith("SET ")]) == 8


def test_it_keeps_showing_a_payment_once_the_debt_is_paid_with_its_card_receipt(debtor, actor, portal_client):
    debt = make_debt(actor, debtor, "INV-PAID", 30_00)
    entry = debt_payment_record(
        debt=debt, amount_minor=30_00, received_on=dt.date(2026, 11, 20), method="card", reference="pi_x", actor=actor
    )
    card = CardPayment.objects.create(
        debt=debt,
        purpose=PaymentPurpose.FULL,
        amount_minor=30_00,
        currency="EUR",
        status=PaymentStatus.SUCCEEDED,
        stripe_payment_intent_id="pi_x",
        ledger_entry=entry,
        created_by_label="test",
    )
    debt.refresh_from_db()
    assert debt.status == "paid"
    body = signed_in(portal_client, debtor).get("/p/").content.decode()
    assert "INV-PAID" in body
    assert f"/p/receipts/{card.pk}.pdf" in body
