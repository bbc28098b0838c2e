"""C1: the engine's phone steps and bad contact data reach the worklist. A phone task delivered by the outbox opens
one phone-step case (never two), closed when the call is made; a contact point flagged invalid (a bounce, a wrong
number) opens one contact-fix case while it is open."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.audit.services import Actor
from apps.casework.models import Case, CaseKind, CaseStatus
from apps.casework.services import phone_step_case_open
from apps.contact.models import CallOutcome
from apps.debtors.models import ContactPoint, Validity
from apps.outbox.delivery import message_deliver
from apps.outbox.models import Message, MessageStatus
from apps.outbox.services import contact_point_mark_invalid, message_status_record
from tests.casework.helpers import SCRIPT, SYSTEM, phone_task

pytestmark = pytest.mark.django_db


def phone_cases():
    return Case.objects.filter(kind=CaseKind.PHONE_STEP)


def test_a_delivered_phone_task_opens_one_phone_step_case(
    debtor, debt, second_debt, django_capture_on_commit_callbacks
):
    task = phone_task(debtor, django_capture_on_commit_callbacks)

    assert task.status == MessageStatus.SENT
    case = phone_cases().get()
    assert (case.status, case.debtor, case.debt) == (CaseStatus.OPEN, debtor, debt)  # the oldest debt
    assert case.data["message"] == str(task.pk)
    assert case.data["phone"] == "+33612345678"
    assert case.subject == "Call Camille Durand about invoice INV-1"
    assert case.details == SCRIPT
    # Delivered again (a retry, a second worker) or opened again: still one case.
    message_deliver(task.pk)
    assert phone_step_case_open(message=task, actor=SYSTEM) == case
    assert phone_cases().count() == 1


def test_the_phone_step_case_is_in_the_worklist(debtor, debt, agent, client_for, django_capture_on_commit_callbacks):
    phone_task(debtor, django_capture_on_commit_callbacks)
    page = client_for(agent).get("/cases/?kind=phone_step")
    assert [c.subject for c in page.context["page"].object_list] == ["Call Camille Durand about invoice INV-1"]


def test_the_phone_step_case_closes_when_the_task_is_done(
    debtor, debt, agent, client_for, django_capture_on_commit_callbacks
):
    task = phone_task(debtor, django_capture_on_commit_callbacks)
    client_for(agent).post(
        reverse("outbox:phone_task_done", kwargs={"message_id": task.pk}), {"outcome": CallOutcome.NO_ANSWER}
    )
    case = phone_cases().get()
    assert (case.status, case.resolution) == (CaseStatus.RESOLVED, "Call made: No answer.")


def test_log_a_call_from_the_phone_task_list_takes_the_tasks_case(
    debtor, debt, agent, client_for, django_capture_on_commit_callbacks
):
    task = phone_task(debtor, django_capture_on_commit_callbacks)
    browser = client_for(agent)
    tasks_page = browser.get(reverse("outbox:phone_tasks")).content.decode()
    assert reverse("casework:phone_task", kwargs={"message_id": task.pk}) in tasks_page

    response = browser.post(reverse("casework:phone_task", kwargs={"message_id": task.pk}))

    case = phone_cases().get()
    assert response.url == reverse("casework:call", kwargs={"case_id": case.pk})
    assert case.assigned_to == agent


def test_a_phone_task_from_before_cases_gets_its_case_when_an_agent_takes_it(debtor, debt, agent, client_for):
    task = Message.objects.create(
        idempotency_key="old-task",
        debtor=debtor,
        channel="phone",
        contact_point=ContactPoint.objects.get(debtor=debtor, kind="phone"),
        to_address="+33612345678",
        locale="fr",
        stage="friendly",
        body=SCRIPT,
        status=MessageStatus.SENT,
        created_by_label="collection run",
    )
    assert not phone_cases().exists()
    client_for(agent).post(reverse("casework:phone_task", kwargs={"message_id": task.pk}))
    assert phone_cases().get().assigned_to == agent


def contact_fix_cases():
    return Case.objects.filter(kind=CaseKind.CONTACT_FIX)


def test_a_contact_point_flagged_invalid_opens_one_contact_fix_case(debtor):
    email = ContactPoint.objects.get(debtor=debtor, kind="email")

    contact_point_mark_invalid(contact_point=email, note="550 No such user", actor=SYSTEM)
    contact_point_mark_invalid(contact_point=email, note="550 No such user", actor=SYSTEM)  # the same bounce again
    contact_point_mark_invalid(contact_point=email, note="mailbox full for good", actor=SYSTEM)

    case = contact_fix_cases().get()
    assert (case.status, case.debtor, case.details) == (CaseStatus.OPEN, debtor, "550 No such user")
    assert case.subject == "Fix email of Camille Durand: camille@example.fr"
    assert case.data["contact_point"] == str(email.pk)
    # What went wrong the second time joined the open case.
    assert [f["details"] for f in case.data["follow_ups"]] == ["mailbox full for good"]


def test_each_contact_point_gets_its_own_case_and_a_new_one_after_the_first_is_resolved(debtor, client_for, agent):
    email = ContactPoint.objects.get(debtor=debtor, kind="email")
    phone = ContactPoint.objects.get(debtor=debtor, kind="phone")
    contact_point_mark_invalid(contact_point=email, note="bounced", actor=SYSTEM)
    contact_point_mark_invalid(contact_point=phone, note="number not in service", actor=SYSTEM)
    assert contact_fix_cases().count() == 2

    first = contact_fix_cases().get(data__contact_point=str(email.pk))
    client_for(agent).post(f"/cases/{first.pk}/resolve/", {"resolution": "New address from the customer file."})
    ContactPoint.objects.filter(pk=email.pk).update(validity=Validity.VALID, validity_note="")
    contact_point_mark_invalid(contact_point=email, note="bounced again", actor=SYSTEM)

    assert contact_fix_cases().filter(data__contact_point=str(email.pk)).count() == 2
    assert contact_fix_cases().open().count() == 2


def test_a_bounce_reported_by_the_provider_opens_a_contact_fix_case(debtor):

    email = ContactPoint.objects.get(debtor=debtor, kind="email")
    message = Message.objects.create(
        idempotency_key="sent-email",
        debtor=debtor,
        channel="email",
        contact_point=email,
        to_address=email.value,
        locale="fr",
        stage="friendly",
        body="Hello",
        status=MessageStatus.SENT,
        created_by_label="collection run",
    )
    message_status_record(message=message, status=MessageStatus.BOUNCED, error="550 5.1.1", actor=Actor.system("smtp"))

    case = contact_fix_cases().get()
    assert case.details == "550 5.1.1"
    assert case.debtor == debtor


def test_the_contact_fix_case_shows_the_contact_point_and_who_can_correct_it(debtor, client_for, agent, manager):
    phone = ContactPoint.objects.get(debtor=debtor, kind="phone")
    contact_point_mark_invalid(contact_point=phone, note="number not in service", actor=SYSTEM)
    case = contact_fix_cases().get()
    edit = reverse("debtors:contact_edit", kwargs={"debtor_id": debtor.pk, "contact_id": phone.pk})

    as_manager = client_for(manager).get(f"/cases/{case.pk}/").content.decode()
    as_agent = client_for(agent).get(f"/cases/{case.pk}/").content.decode()

    assert "+33612345678" in as_manager
    assert "Invalid — needs update" in as_manager
    assert edit in as_manager
    assert edit not in as_agent
    assert "A manager corrects contact points; note what you found." in as_agent
    assert str(phone.pk) not in as_agent  # the link kept in the case's data is not shown raw


def test_the_phone_step_case_shows_the_number_and_script_not_the_task_id(
    debtor, debt, agent, client_for, django_capture_on_commit_callbacks
):
    task = phone_task(debtor, django_capture_on_commit_callbacks)
    case = phone_cases().get()
    page = client_for(agent).get(f"/cases/{case.pk}/").content.decode()
    assert "Number to call" in page
    assert SCRIPT in page
    assert str(task.pk) not in page
