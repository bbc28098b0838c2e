"""Card payments in a real browser, through localstripe's stripe.js: a payment with its receipt and ledger entry,
a card that asks for 3-D Secure, and a declined card that leaves nothing recorded."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from apps.core.money import format_money
from apps.debts.models import EntryKind, LedgerEntry
from apps.debts.services import debt_balance_minor
from apps.payments.models import CardPayment, PaymentStatus
from tests.browser.cards import CARD_3DS, CARD_DECLINED, CARD_OK, card_fill, three_d_secure
from tests.browser.mail import email_to, text_of

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("stripe_connected")]

PAID = "Thank you: your payment went through"


def same_text(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def open_pay_page(page, app_server, person, debt):
    page.goto(person.link)
    page.goto(app_server.url(f"/p/pay/debts/{debt.pk}/"))
    expect(page.locator("input[placeholder=number]")).to_be_visible()


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
