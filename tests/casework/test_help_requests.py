"""The portal's help requests (Q5): dispute, financial difficulty, "not mine" and "already paid" — each opens one case,
pauses the collection it must pause (E5), is audited under the debtor's portal label, and survives a double click."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from apps.audit.models import AuditEvent
from apps.casework.models import Case, CaseKind, CaseStatus, Priority
from apps.casework.services import case_resolve
from apps.contact.gate import ContactRequest, gate_check
from apps.debts.models import DebtStatus
from apps.debts.services import debt_cancel, debt_start_plan
from apps.portal.access import portal_actor
from tests.casework.conftest import email_point, pdf_bytes
from tests.factories import NOW

pytestmark = pytest.mark.django_db


def email_about(debtor, debt):
    return ContactRequest(debtor=debtor, channel="email", at=NOW, debts=(debt,), contact_point=email_point(debtor))


def test_it_links_every_help_page_from_the_overview_and_the_help_index(portal, debt):
    overview = portal.get("/p/").content.decode()
    assert f"/p/help/debts/{debt.pk}/dispute/" in overview
    assert f"/p/help/debts/{debt.pk}/already-paid/" in overview
    assert 'href="/p/help/"' in overview
    index = portal.get("/p/help/")
    assert index.status_code == 200
    body = index.content.decode()
    for path in (
        f"/p/help/debts/{debt.pk}/dispute/",
        f"/p/help/debts/{debt.pk}/already-paid/",
        f"/p/help/debts/{debt.pk}/not-mine/",
        "/p/help/hardship/",
        "/p/help/callback/",
        "/p/preferences/",
    ):
        assert path in body, path


def test_it_holds_a_disputed_debt_at_once_and_tells_the_debtor_when_we_answer(portal, debtor, debt):
    assert gate_check(email_about(debtor, debt)).allowed

    response = portal.post(
        f"/p/help/debts/{debt.pk}/dispute/", {"reason": "wrong_amount", "details": "I was charged twice."}
    )

    case = Case.objects.get()
    assert response.status_code == 302
    assert response.url == f"/p/help/requests/{case.pk}/"
    assert (case.kind, case.debt, case.status, case.priority) == (
        CaseKind.DISPUTE,
        debt,
        CaseStatus.OPEN,
        Priority.HIGH,
    )
    assert case.details == "I was charged twice."
    assert case.data == {"reason": "wrong_amount"}
    assert case.reply_by == NOW + dt.timedelta(days=5)
    assert case.paused_debt_ids == [debt.pk]
    debt.refresh_from_db()
    assert debt.status == DebtStatus.DISPUTED
    # The contact gate now refuses any message about this debt.
    verdict = gate_check(email_about(debtor, debt))
    assert (verdict.outcome, verdict.rule) == ("deny", "dispute_hold")

    page = portal.get(response.url).content.decode()
    assert "Thank you. We have received your request." in page
    assert "We have stopped collecting invoice INV-1" in page
    assert "We will answer you by November 25, 2026." in page
    assert "I was charged twice." in page


def test_it_audits_the_debtors_request_under_their_portal_label(portal, debtor, debt):
    portal.post(f"/p/help/debts/{debt.pk}/dispute/", {"reason": "not_recognised"})
    label = portal_actor(debtor).label
    actions = set(AuditEvent.objects.filter(actor_label=label).values_list("action", flat=True))
    assert {"case.opened", "debt.dispute"} <= actions


def test_it_opens_one_case_when_the_form_is_sent_twice(portal, debt):
    data = {"reason": "goods_or_service", "details": "The chair arrived broken."}
    first = portal.post(f"/p/help/debts/{debt.pk}/dispute/", data)
    second = portal.post(f"/p/help/debts/{debt.pk}/dispute/", data, follow=True)
    assert Case.objects.count() == 1
    assert first.url == second.redirect_chain[-1][0]
    assert "You had already sent us this request" in second.content.decode()
    case = Case.objects.get()
    assert "follow_ups" not in case.data  # nothing new was said


def test_it_keeps_what_is_new_when_the_debtor_writes_again_about_an_open_dispute(portal, debt, upload):
    portal.post(f"/p/help/debts/{debt.pk}/dispute/", {"reason": "goods_or_service", "details": "Broken chair."})
    portal.post(
        f"/p/help/debts/{debt.pk}/dispute/",
        {"reason": "goods_or_service", "details": "Here is a photo.", "documents": upload("a.pdf", pdf_bytes())},
    )
    case = Case.objects.get()
    assert [f["details"] for f in case.data["follow_ups"]] == ["Here is a photo."]
    assert case.attachments.count() == 1


@pytest.mark.parametrize(
    ("data", "field_error"),
    [
        ({"details": "no reason chosen"}, "Choose why you dispute this invoice."),
        ({"reason": "other", "details": "  "}, "Tell us in a few words what is wrong."),
        ({"reason": "made-up"}, "Select a valid choice."),
    ],
)
def test_it_refuses_a_dispute_without_a_reason_and_changes_nothing(portal, debt, data, field_error):
    response = portal.post(f"/p/help/debts/{debt.pk}/dispute/", data)
    body = response.content.decode()
    assert response.status_code == 422
    assert field_error in body
    assert 'role="alert"' in body
    assert "<title>Error:" in body
    assert Case.objects.count() == 0
    debt.refresh_from_db()
    assert debt.status == DebtStatus.OVERDUE


def test_it_ties_each_error_to_its_field(portal, debt):
    body = portal.post("/p/help/hardship/", {}).content.decode()
    assert 'id="id_details_error"' in body
    assert 'aria-describedby="id_details_helptext id_details_error"' in body
    assert 'aria-invalid="true"' in body
    assert 'href="#id_details"' in body  # the error summary links to the field


def test_it_pauses_every_collected_debt_on_a_hardship_request(portal, actor, debtor, debt, second_debt):
    planned = debt_start_plan(debt=second_debt, actor=actor)
    response = portal.post("/p/help/hardship/", {"details": "I lost my job last month."})
    case = Case.objects.get()
    assert (case.kind, case.debt, case.priority) == (CaseKind.HARDSHIP, None, Priority.HIGH)
    debt.refresh_from_db()
    planned.refresh_from_db()
    assert debt.status == DebtStatus.ON_HOLD
    # A debt in a payment plan is paused already; the hold is for what the daily run collects.
    assert planned.status == DebtStatus.IN_PLAN
    assert case.paused_debt_ids == [debt.pk]
    page = portal.get(response.url).content.decode()
    assert "We have paused our reminders for these invoices:" in page
    assert "INV-1" in page


def test_it_asks_for_a_few_words_about_the_hardship(portal, debt):
    response = portal.post("/p/help/hardship/", {"details": ""})
    assert response.status_code == 422
    assert "Tell us a little about your situation" in response.content.decode()
    assert Case.objects.count() == 0


def test_it_disputes_a_debt_the_debtor_says_is_not_theirs(portal, debtor, debt, upload):
    response = portal.post(
        f"/p/help/debts/{debt.pk}/not-mine/",
        {"details": "I never ordered from you.", "documents": upload("letter.pdf", pdf_bytes())},
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert (case.kind, case.debt) == (CaseKind.NOT_ME, debt)
    debt.refresh_from_db()
    assert debt.status == DebtStatus.DISPUTED
    assert gate_check(email_about(debtor, debt)).rule == "dispute_hold"
    attachment = case.attachments.get()
    assert (attachment.original_name, attachment.content_type) == ("letter.pdf", "application/pdf")


def test_it_holds_a_debt_the_debtor_says_is_paid_while_someone_checks(portal, debt, upload):
    response = portal.post(
        f"/p/help/debts/{debt.pk}/already-paid/",
        {
            "paid_on": "2026-11-02",
            "amount": "120.00",
            "method": "transfer",
            "reference": "VIR 8812",
            "documents": upload("statement.pdf", pdf_bytes()),
        },
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.kind == CaseKind.ALREADY_PAID
    assert case.data == {
        "paid_on": "2026-11-02",
        "amount_minor": 120_00,
        "currency": "EUR",
        "method": "transfer",
        "reference": "VIR 8812",
    }
    debt.refresh_from_db()
    assert debt.status == DebtStatus.ON_HOLD
    assert case.paused_debt_ids == [debt.pk]
    page = portal.get(response.url).content.decode()
    assert "statement.pdf — received" in page
    assert "/cases/" not in page  # documents are never served back to the portal


def test_it_refuses_a_payment_date_in_the_future_and_a_zero_amount(portal, debt):
    response = portal.post(
        f"/p/help/debts/{debt.pk}/already-paid/",
        {"paid_on": "2026-12-30", "amount": "0", "method": "card"},
    )
    assert response.status_code == 422
    assert Case.objects.count() == 0
    body = portal.post(
        f"/p/help/debts/{debt.pk}/already-paid/", {"paid_on": "2026-12-30", "amount": "50", "method": "card"}
    ).content.decode()
    assert "The payment date is in the future." in body
    assert Case.objects.count() == 0


def test_it_shows_a_debtor_nothing_of_another_debtors_debts_or_requests(portal, debt, other_debtor, other_debt):
    for path in ("dispute", "already-paid", "not-mine"):
        assert portal.get(f"/p/help/debts/{other_debt.pk}/{path}/").status_code == 404
        assert (
            portal.post(f"/p/help/debts/{other_debt.pk}/{path}/", {"reason": "other", "details": "x"}).status_code
            == 404
        )
    theirs = Case.objects.create(
        kind=CaseKind.DISPUTE, debtor=other_debtor, debt=other_debt, subject="theirs", opened_by_label="x"
    )
    assert portal.get(f"/p/help/requests/{theirs.pk}/").status_code == 404
    assert Case.objects.count() == 1
    other_debt.refresh_from_db()
    assert other_debt.status == DebtStatus.OVERDUE


def test_it_sends_a_signed_out_visitor_to_the_sign_in(tenant, debt, client_for):
    client = client_for(None)
    response = client.get(f"/p/help/debts/{debt.pk}/dispute/")
    assert (response.status_code, response.url) == (302, "/p/sign-in/")
    response = client.post(f"/p/help/debts/{debt.pk}/dispute/", {"reason": "other", "details": "x"})
    assert response.status_code == 302
    assert Case.objects.count() == 0


def test_it_offers_no_help_page_for_a_closed_debt(portal, actor, debt):
    debt_cancel(debt=debt, actor=actor, reason="credit note")
    assert portal.get(f"/p/help/debts/{debt.pk}/dispute/").status_code == 404


def test_it_lists_the_debtors_requests_on_the_help_page(portal, debt):
    portal.post(f"/p/help/debts/{debt.pk}/dispute/", {"reason": "wrong_amount"})
    body = portal.get("/p/help/").content.decode()
    assert "Your dispute of invoice INV-1" in body
    assert "We are working on it" in body
    assert "You dispute this invoice." in body


def test_it_tells_the_debtor_when_a_request_is_late_or_closed(portal, actor, debt):
    response = portal.post(f"/p/help/debts/{debt.pk}/dispute/", {"reason": "wrong_amount"})
    case = Case.objects.get()
    with time_machine.travel(NOW + dt.timedelta(days=6), tick=False):
        late = portal.get(response.url).content.decode()
    assert "this is taking longer than we said" in late
    case_resolve(case=case, resolution="Corrected the invoice.", actor=actor)
    closed = portal.get(response.url).content.decode()
    assert "We closed this request on November 20, 2026." in closed
    assert "Corrected the invoice." not in closed  # the staff note is not for the debtor
    assert "Closed" in portal.get("/p/help/").content.decode()
