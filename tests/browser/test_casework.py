"""Casework in a real browser: a debtor disputes an invoice in the portal; an agent signs in through the login page,
finds the dispute in the worklist, takes it, writes a note, tries to call (the contact rules refuse while the debt is
disputed, and nothing is recorded), resolves the dispute resuming collection, and then calls: the debt is collectable
again, and the call is on the case's timeline."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from apps.accounts.models import Role, User
from apps.casework.models import CallLog, Case, CaseKind, CaseNote, CaseStatus
from apps.contact.models import CallOutcome, ContactAttempt, GateDecision, GateOutcome
from apps.debtors.services import contact_point_add
from apps.debts.models import Debt, DebtStatus
from tests.browser.conftest import SCREENSHOTS, SETUP_ACTOR
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

NUMBER = "+33612345678"


def sign_in(page, app_server, email: str, then: str) -> None:
    page.goto(app_server.url(f"/accounts/login/?next={then}"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(app_server.url(then))


def test_an_agent_takes_a_dispute_from_the_worklist_to_resolution(make_portal_debtor, db_write, app_server, new_page):
    person = make_portal_debtor("en", debts=((180_00, 25),))
    debt = person.debts[0]
    email = f"ada-{uuid.uuid4().hex[:8]}@browsertest.test"
    with db_write():
        contact_point_add(debtor=person.debtor, kind="phone", value=NUMBER, actor=SETUP_ACTOR)
        User.objects.create_user(email, PASSWORD, role=Role.AGENT, full_name="Ada Agent")

    # The debtor disputes the invoice in the portal.
    portal = new_page(viewport={"width": 390, "height": 844})
    portal.goto(person.link)
    portal.get_by_role("link", name=f"Tell us what is wrong ({debt.external_ref})").click()
    portal.get_by_label("The amount is wrong").check()
    portal.get_by_label("Tell us more").fill("I was charged twice for the same order.")
    portal.get_by_role("button", name="Send").click()
    expect(portal.get_by_text("Thank you. We have received your request.")).to_be_visible()
    subject = f"Invoice {debt.external_ref}: The amount is wrong"
    with db_write():
        case = Case.objects.get(debtor=person.debtor, kind=CaseKind.DISPUTE)
        assert Debt.objects.get(pk=debt.pk).status == DebtStatus.DISPUTED

    # The agent finds it in the worklist and takes it.
    page = new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, app_server, email, "/cases/?kind=dispute")
    row = page.get_by_role("row").filter(has_text=subject)
    expect(row).to_contain_text(person.debtor.name)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "casework-worklist.png"), full_page=True)
    row.get_by_role("button", name=f"Take the case: {subject}").click()
    expect(page.get_by_text(f"The case is yours: {subject}.")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text=subject)).to_contain_text("Ada Agent")
    page.get_by_role("link", name=subject).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Dispute: {subject}")
    expect(page.locator("main")).to_contain_text("I was charged twice for the same order.")

    # A note.
    page.get_by_label("Note").fill("Checked the order history: one payment of 180.00 only, no double charge.")
    page.get_by_role("button", name="Add the note").click()
    expect(page.get_by_text("Note added.")).to_be_visible()
    timeline = page.locator("section", has=page.locator("#timeline-title"))
    expect(timeline).to_contain_text("Checked the order history")

    # A call while the debt is disputed: the contact rules refuse it, say why, and nothing is recorded.
    page.get_by_role("link", name="Log a call").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Log a call with {person.debtor.name}")
    expect(page.locator(".numbers")).to_contain_text("Not now")
    page.get_by_label("Conversation").check()
    page.get_by_role("button", name="Log the call").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("The contact rules do not allow this call now")
    expect(alert).to_contain_text(f"Debt {debt.external_ref} is disputed")
    page.screenshot(path=str(SCREENSHOTS / "casework-call-refused.png"), full_page=True)
    with db_write():
        assert not CallLog.objects.filter(case=case).exists()
        assert not ContactAttempt.objects.filter(debtor=person.debtor).exists()

    # The agent resolves the dispute and resumes collection.
    page.get_by_role("link", name=re.compile(r"^← Dispute: ")).click()
    page.get_by_label("How was it resolved?").fill("One payment only: the amount is right. Told the customer.")
    page.get_by_label(re.compile(f"Resume collection of {debt.external_ref}")).check()
    page.get_by_role("button", name="Resolve the case").click()
    expect(page.get_by_text("Case resolved.")).to_be_visible()
    expect(page.get_by_text(f"Collection of {debt.external_ref} resumed: it is Overdue.")).to_be_visible()

    # Collectable again: now the call goes through, with what the debtor said.
    page.get_by_role("link", name="Log a call").click()
    expect(page.locator(".numbers")).to_contain_text("Allowed now")
    page.get_by_label("Conversation").check()
    page.get_by_label("Note:", exact=True).fill("Explained the single charge; will pay at the end of the month.")
    page.get_by_label("Reason for non-payment").select_option("unhappy")
    page.get_by_role("button", name="Log the call").click()
    expect(page.get_by_text("Call logged: Conversation.")).to_be_visible()
    timeline = page.locator("section", has=page.locator("#timeline-title"))
    expect(timeline).to_contain_text(f"Conversation · {NUMBER}")
    expect(timeline).to_contain_text("Reason for non-payment: Unhappy with the goods or service")
    page.screenshot(path=str(SCREENSHOTS / "casework-case.png"), full_page=True)

    with db_write():
        case.refresh_from_db()
        assert (case.status, case.assigned_to.email) == (CaseStatus.RESOLVED, email)
        assert Debt.objects.get(pk=debt.pk).status == DebtStatus.OVERDUE
        assert CaseNote.objects.filter(case=case).count() == 1
        call = CallLog.objects.get(case=case)
        assert (call.outcome, call.reason, call.agent.email) == (CallOutcome.CONVERSATION, "unhappy", email)
        assert call.contact_attempt.debt_id == debt.pk
        outcomes = list(
            GateDecision.objects.filter(debtor=person.debtor, channel="phone")
            .order_by("decided_at")
            .values_list("outcome", flat=True)
        )
        assert outcomes == [GateOutcome.DENY, GateOutcome.ALLOW]

    # The worklist no longer shows the dispute among open cases.
    page.goto(app_server.url("/cases/?kind=dispute"))
    expect(page.get_by_role("link", name=subject)).to_have_count(0)
