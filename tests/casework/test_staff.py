"""Staff case pages (C1, C2): the worklist (open by default, filters, priority then reply time, pages, a fixed number
of queries), a case's page, taking and resolving a case and resuming the collection it paused; viewers read only;
the debtor's documents open for people who work cases, and never from the portal."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.audit.models import AuditEvent
from apps.audit.services import Actor
from apps.casework.help import dispute_request, hardship_request
from apps.casework.models import CaseKind, CaseStatus, Priority
from apps.casework.services import case_open, case_resolve
from apps.casework.uploads import check_upload
from apps.debts.models import DebtStatus
from apps.portal.access import portal_actor
from tests.casework.conftest import pdf_bytes
from tests.factories import NOW, make_debt, make_debtor

pytestmark = pytest.mark.django_db


def open_case(debtor, subject, *, kind=CaseKind.NONE_FIT, debt=None, reply_in_days=2, priority=None):
    return case_open(
        kind=kind,
        debtor=debtor,
        subject=subject,
        debt=debt,
        actor=Actor.system("test"),
        reply_by=NOW + dt.timedelta(days=reply_in_days),
        priority=priority,
    )


def subjects(response) -> list[str]:
    return [c.subject for c in response.context["page"].object_list]


@pytest.fixture
def disputed(debtor, debt, upload):
    """A dispute from the portal, with a proof of payment."""
    return dispute_request(
        debtor=debtor,
        debt=debt,
        reason="wrong_amount",
        details="Charged twice.",
        uploads=[check_upload(upload("proof.pdf", pdf_bytes()))],
        actor=portal_actor(debtor),
    ).case


def test_it_lists_open_cases_by_priority_then_reply_time(client_for, viewer, debtor):
    open_case(debtor, "normal, later", reply_in_days=3)
    open_case(debtor, "normal, sooner", reply_in_days=1)
    open_case(debtor, "high", kind=CaseKind.DISPUTE, reply_in_days=4)
    open_case(debtor, "low", reply_in_days=0, priority=Priority.LOW)
    case_resolve(case=open_case(debtor, "resolved"), resolution="done", actor=Actor.system("test"))

    response = client_for(viewer).get("/cases/")

    assert response.status_code == 200
    assert subjects(response) == ["high", "normal, sooner", "normal, later", "low"]


def test_it_filters_by_status_kind_priority_mine_and_overdue(client_for, agent, debtor):
    mine = open_case(debtor, "mine", reply_in_days=-1)
    mine.assigned_to = agent
    mine.save()
    open_case(debtor, "dispute", kind=CaseKind.DISPUTE)
    case_resolve(case=open_case(debtor, "resolved"), resolution="done", actor=Actor.system("test"))
    client = client_for(agent)

    assert subjects(client.get("/cases/?status=resolved")) == ["resolved"]
    assert len(subjects(client.get("/cases/?status=all"))) == 3
    assert subjects(client.get("/cases/?kind=dispute")) == ["dispute"]
    assert subjects(client.get("/cases/?priority=1")) == ["dispute"]
    assert subjects(client.get("/cases/?mine=on")) == ["mine"]
    assert subjects(client.get("/cases/?overdue=on")) == ["mine"]
    assert "Overdue" in client.get("/cases/").content.decode()


def test_it_reads_the_worklist_in_a_fixed_number_of_queries(client_for, viewer, actor):
    client = client_for(viewer)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/cases/").status_code == 200
        return len(ctx.captured_queries)

    first = make_debtor(actor, "Q-0", "Quinn 0")
    open_case(first, "case 0", kind=CaseKind.DISPUTE, debt=make_debt(actor, first, "Q-INV-0", 10_00))
    few = queries()
    for i in range(1, 40):
        someone = make_debtor(actor, f"Q-{i}", f"Quinn {i}")
        case = open_case(
            someone, f"case {i}", kind=CaseKind.DISPUTE, debt=make_debt(actor, someone, f"Q-INV-{i}", 10_00)
        )
        case.assigned_to = viewer
        case.save()
    assert queries() == few


def test_it_pages_the_worklist(client_for, viewer, debtor):
    for i in range(55):
        open_case(debtor, f"case {i:02}", reply_in_days=i)
    client = client_for(viewer)
    assert len(subjects(client.get("/cases/"))) == 50
    assert subjects(client.get("/cases/?page=2")) == ["case 50", "case 51", "case 52", "case 53", "case 54"]


def test_it_shows_a_case_with_its_debtor_debt_request_documents_and_history(client_for, agent, disputed):
    body = client_for(agent).get(f"/cases/{disputed.pk}/").content.decode()
    for text in (
        "Camille Durand",
        "INV-1",
        "Disputed",
        "The amount is wrong",
        "Charged twice.",
        "proof.pdf",
        f"/cases/{disputed.pk}/documents/",
        "Case opened",
        "debtor C-100 (portal)",
        "Resume collection of",
    ):
        assert text in body, text


def test_a_viewer_reads_cases_but_cannot_work_them_or_open_documents(client_for, viewer, disputed):
    client = client_for(viewer)
    body = client.get(f"/cases/{disputed.pk}/").content.decode()
    assert "Take the case" not in body
    assert "Log a call" not in body
    assert "Resolve the case" not in body
    assert f"/cases/{disputed.pk}/documents/" not in body
    attachment = disputed.attachments.get()
    assert client.get(f"/cases/{disputed.pk}/documents/{attachment.pk}/").status_code == 403
    assert client.post(f"/cases/{disputed.pk}/claim/").status_code == 403
    assert client.post(f"/cases/{disputed.pk}/assign/").status_code == 403
    assert client.post(f"/cases/{disputed.pk}/resolve/", {"resolution": "x"}).status_code == 403
    disputed.refresh_from_db()
    assert (disputed.assigned_to, disputed.status) == (None, CaseStatus.OPEN)


def test_an_agent_takes_a_case(client_for, agent, disputed):
    response = client_for(agent).post(f"/cases/{disputed.pk}/claim/")
    assert response.status_code == 302
    disputed.refresh_from_db()
    assert disputed.assigned_to == agent
    event = AuditEvent.objects.for_object(disputed).get(action="case.assigned")
    assert (event.actor_label, event.after) == (agent.email, {"assigned_to": agent.email})


def test_resolving_a_dispute_resumes_its_debt_when_asked(client_for, agent, disputed, debt):
    response = client_for(agent).post(
        f"/cases/{disputed.pk}/resolve/", {"resolution": "Amount checked: correct.", "resume": "on"}, follow=True
    )
    body = response.content.decode()
    assert "Case resolved." in body
    assert "Collection of INV-1 resumed: it is Overdue." in body
    disputed.refresh_from_db()
    debt.refresh_from_db()
    assert (disputed.status, disputed.resolution) == (CaseStatus.RESOLVED, "Amount checked: correct.")
    assert debt.status == DebtStatus.OVERDUE


def test_resolving_without_resuming_leaves_the_debt_paused(client_for, agent, disputed, debt):
    client_for(agent).post(f"/cases/{disputed.pk}/resolve/", {"resolution": "Debt cancelled by the creditor."})
    debt.refresh_from_db()
    assert debt.status == DebtStatus.DISPUTED


def test_it_keeps_a_debt_paused_while_another_open_case_holds_it(client_for, agent, debtor, debt, disputed):
    hardship = hardship_request(debtor=debtor, details="Lost my job.", uploads=[], actor=portal_actor(debtor)).case
    assert hardship.paused_debt_ids == [debt.pk]  # already disputed: the hardship case holds it too
    response = client_for(agent).post(
        f"/cases/{disputed.pk}/resolve/", {"resolution": "Checked.", "resume": "on"}, follow=True
    )
    assert "INV-1 stays paused: another open case holds it" in response.content.decode()
    debt.refresh_from_db()
    assert debt.status == DebtStatus.DISPUTED


def test_it_asks_how_a_case_was_resolved(client_for, agent, disputed):
    response = client_for(agent).post(f"/cases/{disputed.pk}/resolve/", {"resolution": " "})
    assert response.status_code == 422
    assert "Say how the case was resolved." in response.content.decode()
    disputed.refresh_from_db()
    assert disputed.status == CaseStatus.OPEN


def test_it_gives_the_document_to_an_agent_and_records_who_opened_it(client_for, agent, disputed):
    attachment = disputed.attachments.get()
    response = client_for(agent).get(f"/cases/{disputed.pk}/documents/{attachment.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="proof.pdf"')
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert AuditEvent.objects.for_object(disputed).filter(action="case.attachment_opened").count() == 1


def test_it_never_serves_a_document_to_the_portal(portal, disputed):
    attachment = disputed.attachments.get()
    response = portal.get(f"/cases/{disputed.pk}/documents/{attachment.pk}/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
    # The debtor's own request page says the document was received, and links nowhere.
    page = portal.get(f"/p/help/requests/{disputed.pk}/").content.decode()
    assert "proof.pdf — received" in page
    assert "/documents/" not in page


def test_it_answers_404_for_a_document_of_another_case(client_for, agent, disputed, debtor):
    other = open_case(debtor, "other")
    attachment = disputed.attachments.get()
    assert client_for(agent).get(f"/cases/{other.pk}/documents/{attachment.pk}/").status_code == 404


def test_it_lists_a_debtors_open_cases_on_the_debtor_page_and_cases_in_the_navigation(client_for, viewer, disputed):
    body = client_for(viewer).get(f"/debtors/{disputed.debtor_id}/").content.decode()
    assert "Open cases" in body
    assert f"/cases/{disputed.pk}/" in body
    assert 'href="/cases/"' in body


def test_staff_of_another_tenant_get_404_for_a_case(client_for, outsider, other_tenant, disputed):
    client = client_for(outsider, on=other_tenant)
    attachment = disputed.attachments.get()
    assert client.get(f"/cases/{disputed.pk}/").status_code == 404
    assert client.get(f"/cases/{disputed.pk}/documents/{attachment.pk}/").status_code == 404
    assert client.post(f"/cases/{disputed.pk}/resolve/", {"resolution": "x", "resume": "on"}).status_code == 404
