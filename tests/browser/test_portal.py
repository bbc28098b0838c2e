"""The debtor portal in a real browser: from a collection email to the balance, in three languages, on a phone,
and the fallback sign-in's lockout."""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from apps.accounts.models import User
from apps.audit.services import Actor
from apps.contact.models import GateOutcome
from apps.core.dates import tenant_today
from apps.core.money import format_money
from apps.debts.services import debt_payment_record
from apps.outbox.models import Message, MessageStatus
from apps.outbox.services import manual_email_send
from tests.browser.conftest import SCREENSHOTS, SETUP_ACTOR, _forget_signin_failures
from tests.browser.mail import email_to, links_in

pytestmark = pytest.mark.browser

# The overview's section headings, as written in the templates.
HEADINGS = ("What you owe", "Your payments", "Messages we sent you")
SIGNIN_FAILED = "We could not find your account with these details."


def in_language(language: str, text: str) -> str:
    with translation.override(language):
        return gettext(text)


def same_text(text: str) -> str:
    # Babel puts no-break spaces in amounts (fr: "1 234,50 €"); a page's inner text may keep or fold them.
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def test_it_takes_a_debtor_from_a_collection_email_to_their_balance(make_portal_debtor, db_write, app_server, page):
    person = make_portal_debtor("en", debts=((180_00, 25), (75_50, 10)))
    with db_write():
        owner = User.objects.get(email="owner@browsertest.test")
        verdict, message = manual_email_send(debtor=person.debtor, template_key="overdue", actor=Actor.for_user(owner))
    assert verdict.outcome == GateOutcome.ALLOW, verdict
    assert message is not None

    mail = email_to(app_server.mail_dir, person.email)
    portal_links = [url for url in links_in(mail) if url.startswith(app_server.url("/p/"))]
    assert len(portal_links) == 1, links_in(mail)

    page.goto(portal_links[0])
    assert page.url == app_server.url("/p/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello Alex Morgan")
    balance = page.locator("section", has=page.locator("#balance-heading"))
    assert format_money(255_50, "EUR", "en") in same_text(balance.inner_text())
    for debt in person.debts:
        expect(page.get_by_role("heading", name=f"Invoice {debt.external_ref}")).to_be_visible()
    # The email itself is listed among the messages the debtor was sent.
    with db_write():
        assert Message.objects.get(pk=message.pk).status == MessageStatus.SENT
    messages = page.locator("section", has=page.locator("#messages-heading"))
    expect(messages).to_contain_text(str(mail["Subject"]))


@pytest.mark.parametrize(("language", "other"), [("fr", "pl"), ("pl", "fr")])
def test_it_speaks_the_debtors_language_and_switches_on_request(make_portal_debtor, page, language, other):
    person = make_portal_debtor(language)

    page.goto(person.link)
    expect(page.locator("html")).to_have_attribute("lang", language)
    name = person.debtor.name
    expect(page.get_by_role("heading", level=1)).to_have_text(in_language(language, "Hello %(name)s") % {"name": name})
    shown = [same_text(t) for t in page.locator("main h2").all_inner_texts()]
    for english in HEADINGS:
        translated = in_language(language, english)
        assert translated != english, f"no {language} translation for {english!r}"
        assert translated in shown
        assert english not in shown
    expect(page.get_by_role("button", name=in_language(language, "Sign out"))).to_be_visible()

    # The language switcher: another language, then English; the choice stays on the next visit.
    for target in (other, "en"):
        page.locator("#lang-switch").select_option(target)
        page.locator("form:has(#lang-switch) button[type=submit]").click()
        expect(page.locator("html")).to_have_attribute("lang", target)
        expect(page.get_by_role("heading", name=in_language(target, "What you owe"))).to_be_visible()
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello {name}")


def test_it_fits_a_phone_screen(make_portal_debtor, db_write, new_page):
    person = make_portal_debtor("fr", debts=((1_234_50, 45), (89_90, 12)))
    with db_write():
        debt_payment_record(
            debt=person.debts[0], amount_minor=100_00, received_on=tenant_today(), method="transfer", actor=SETUP_ACTOR
        )
    phone = new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True)

    phone.goto(person.link)
    expect(phone.get_by_role("heading", level=1)).to_be_visible()
    assert phone.evaluate("[...document.styleSheets].reduce((n, s) => n + s.cssRules.length, 0)") > 0, "no stylesheet"
    scroll_width = phone.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 390, f"the page scrolls sideways: {scroll_width} px wide on a 390 px screen"

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / "portal-overview-mobile.png"
    shot.unlink(missing_ok=True)
    phone.screenshot(path=str(shot), full_page=True)
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) > 10_000, "the screenshot is (nearly) blank"


def test_it_locks_the_sign_in_out_and_never_says_why(make_portal_debtor, app_server, page):
    person = make_portal_debtor("en")
    page.goto(app_server.url("/p/sign-in/"))

    def attempt(reference: str, postal_code: str) -> str:
        page.get_by_label("Reference").fill(reference)
        page.get_by_label("Postal code of your address").fill(postal_code)
        page.get_by_role("button", name="Continue").click()
        page.wait_for_load_state()
        if page.url != app_server.url("/p/sign-in/"):
            return ""
        return same_text(page.get_by_role("alert").inner_text())

    unknown = attempt("NO-SUCH-REFERENCE", person.postal_code)
    wrong = attempt(person.reference, "75001")
    assert SIGNIN_FAILED in unknown
    assert wrong == unknown
    for _ in range(3):
        assert attempt(person.reference, "75001") == unknown
    # Five failures: now even the right details are refused, in the same words.
    assert attempt(person.reference, person.postal_code) == unknown
    expect(page.get_by_role("heading", name="See your account")).to_be_visible()

    _forget_signin_failures()  # fifteen minutes later
    assert attempt(person.reference, person.postal_code) == ""
    assert page.url == app_server.url("/p/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello Alex Morgan")
