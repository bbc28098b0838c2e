"""Card payments in a real browser, through localstripe's stripe.js: from a collection email to a payment plan and
its paid down payment, a payment with its receipt and ledger entry, a card that asks for 3-D Secure, and a declined
card that leaves nothing recorded."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from apps.accounts.models import User
from apps.arrangements.models import Arrangement, ArrangementStatus
from apps.audit.services import Actor
from apps.contact.models import GateOutcome
from apps.core.money import format_money
from apps.debts.models import EntryKind, LedgerEntry
from apps.debts.services import debt_balance_minor
from apps.outbox.services import manual_email_send
from apps.payments.models import CardPayment, PaymentStatus
from tests.browser.cards import CARD_3DS, CARD_DECLINED, CARD_OK, card_fill, three_d_secure
from tests.browser.mail import email_to, links_in, text_of

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("stripe_connected")]

PAID = "Thank you: your payment went through"


def money(amount_minor: int) -> str:
    return format_money(amount_minor, "EUR", "en")


def same_text(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def open_pay_page(page, app_server, person, debt):
    page.goto(person.link)
    page.goto(app_server.url(f"/p/pay/debts/{debt.pk}/"))
    expect(page.locator("input[placeholder=number]")).to_be_visible()


def test_it_takes_a_debtor_from_an_email_to_a_plan_and_a_paid_down_payment(
    make_portal_debtor, app_server, page, db_write
):
    """A debtor opens the link from an email, picks a three-instalment plan, pays the down payment with a test
    card, sees the receipt, and the ledger shows it."""
    person = make_portal_debtor("en", debts=((300_00, 30),))
    debt = person.debts[0]
    with db_write():
        owner = User.objects.get(email="owner@browsertest.test")
        verdict, _message = manual_email_send(debtor=person.debtor, template_key="overdue", actor=Actor.for_user(owner))
    assert verdict.outcome == GateOutcome.ALLOW, verdict
    link = next(u for u in links_in(email_to(app_server.mail_dir, person.email)) if u.startswith(app_server.url("/p/")))

    page.goto(link)
    page.get_by_role("link", name="See your options").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Your options for invoice {debt.external_ref}")

    # The plan builder: €60.00 today, then three monthly instalments of €80.00.
    page.get_by_label("First payment, today").fill("60.00")
    page.get_by_label("How often").select_option("monthly")
    page.get_by_label("Number of instalments after the first payment").fill("3")
    page.get_by_role("button", name="Show schedule").click()
    # The preview follows the fields as they change (htmx): wait for the one of the final values.
    expect(page.locator("#plan-preview table.schedule tbody tr")).to_have_text(
        [
            re.compile(rf"First payment\b.*{re.escape(money(60_00))}", re.DOTALL),
            *(re.compile(rf"Instalment {n}\b.*{re.escape(money(80_00))}", re.DOTALL) for n in (1, 2, 3)),
        ]
    )
    expect(page.locator("#plan-preview")).to_contain_text("We can agree to this plan at once.")
    page.get_by_role("button", name="Agree to this plan").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your payment plan is agreed")
    page.get_by_role("link", name=f"Pay {money(60_00)} now").click()
    expect(page.locator("#pay-amount")).to_have_text(money(60_00))
    card_fill(page, CARD_OK)
    page.get_by_role("button", name=f"Pay {money(60_00)}").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(PAID, timeout=30_000)
    result = same_text(page.locator("#pay-result").inner_text())
    assert money(60_00) in result
    assert f"Left to pay on this invoice {money(240_00)}" in result
    status, headers, body = app_server.get(page, page.locator("#receipt-link").get_attribute("href"))
    assert (status, headers["content-type"]) == (200, "application/pdf")
    assert money(60_00) in same_text(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages))

    with db_write():
        payment = CardPayment.objects.get(debt=debt)
        entries = list(LedgerEntry.objects.filter(debt=debt, kind=EntryKind.PAYMENT))
        assert [(e.amount_minor, e.reference) for e in entries] == [(-60_00, payment.stripe_payment_intent_id)]
        assert debt_balance_minor(debt) == 240_00
        arrangement = Arrangement.objects.get(debt=debt)
        assert arrangement.status == ArrangementStatus.ACTIVE
        instalments = list(arrangement.instalments.order_by("number").values_list("amount_minor", "status"))
        assert instalments == [(60_00, "paid"), (80_00, "due"), (80_00, "due"), (80_00, "due")]

    # The account shows the payment and the plan.
    page.get_by_role("link", name="Your account", exact=True).click()
    payments = page.locator("section", has=page.locator("#payments-heading"))
    expect(payments).to_contain_text(debt.external_ref)
    assert money(60_00) in same_text(payments.inner_text())
    expect(page.get_by_role("link", name="Payment plan agreed")).to_be_visible()


def test_it_takes_a_card_payment_with_a_receipt_and_a_ledger_entry(make_portal_debtor, app_server, page, db_write):
    person = make_portal_debtor("en", debts=((120_00, 10),))
    debt = person.debts[0]
    amount = format_money(120_00, "EUR", "en")

    open_pay_page(page, app_server, person, debt)
    expect(page.locator("#pay-amount")).to_have_text(amount)
    expect(page.locator("#pay-no-fee")).to_contain_text(f"you pay exactly {amount}")
    card_fill(page, CARD_OK)
    page.get_by_role("button", name=f"Pay {amount}").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(PAID, timeout=30_000)
    result = page.locator("#pay-result")
    expect(result).to_contain_text(amount)
    expect(result).to_contain_text(debt.external_ref)

    status, headers, body = app_server.get(page, page.locator("#receipt-link").get_attribute("href"))
    assert status == 200
    assert headers["content-type"] == "application/pdf"
    pdf_text = same_text(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages))
    assert amount in pdf_text
    assert debt.external_ref in pdf_text

    # The account: nothing is left to pay.
    page.get_by_role("link", name="Your account", exact=True).click()
    expect(page.locator("section", has=page.locator("#balance-heading"))).to_contain_text("You have nothing to pay.")

    with db_write():
        entries = list(LedgerEntry.objects.filter(debt=debt, kind=EntryKind.PAYMENT))
        payment = CardPayment.objects.get(debt=debt)
        assert [e.amount_minor for e in entries] == [-120_00]
        assert payment.status == PaymentStatus.SUCCEEDED
        assert entries[0].reference == payment.stripe_payment_intent_id
        assert debt_balance_minor(debt) == 0
    assert amount in same_text(text_of(email_to(app_server.mail_dir, person.email)))


def test_it_pays_with_a_card_that_asks_for_3d_secure(make_portal_debtor, app_server, page, db_write):
    person = make_portal_debtor("en", debts=((75_00, 20),))
    debt = person.debts[0]
    amount = format_money(75_00, "EUR", "en")

    open_pay_page(page, app_server, person, debt)
    card_fill(page, CARD_3DS)
    page.get_by_role("button", name=f"Pay {amount}").click()
    # The bank's check, once for the card and once for the payment (this card asks every time).
    heading = page.get_by_role("heading", level=1)
    confirm = page.get_by_role("button", name="Complete authentication")
    for _ in range(2):
        expect(confirm.or_(heading.filter(has_text=PAID))).to_be_visible(timeout=30_000)
        if confirm.is_visible():
            three_d_secure(page, complete=True)

    expect(heading).to_have_text(PAID, timeout=30_000)
    with db_write():
        assert CardPayment.objects.get(debt=debt).status == PaymentStatus.SUCCEEDED
        paid = LedgerEntry.objects.filter(debt=debt, kind=EntryKind.PAYMENT).values_list("amount_minor", flat=True)
        assert list(paid) == [-75_00]


def test_it_says_clearly_when_a_card_is_declined_and_records_nothing(make_portal_debtor, app_server, page, db_write):
    person = make_portal_debtor("en", debts=((60_00, 20),))
    debt = person.debts[0]
    amount = format_money(60_00, "EUR", "en")

    open_pay_page(page, app_server, person, debt)
    card_fill(page, CARD_DECLINED)
    page.get_by_role("button", name=f"Pay {amount}").click()

    error = page.locator("#pay-error")
    expect(error).to_be_visible(timeout=30_000)
    expect(error).to_contain_text("declined")
    expect(page.get_by_role("button", name=f"Pay {amount}")).to_be_enabled()  # another card can be tried
    assert page.url == app_server.url(f"/p/pay/debts/{debt.pk}/")

    with db_write():
        assert not LedgerEntry.objects.filter(debt=debt, kind=EntryKind.PAYMENT).exists()
        assert not CardPayment.objects.filter(debt=debt, status=PaymentStatus.SUCCEEDED).exists()
        assert debt_balance_minor(debt) == 60_00
    page.goto(app_server.url("/p/"))
    expect(page.locator("section", has=page.locator("#payments-heading"))).to_contain_text("No payments yet.")
