"""E4 phone: a phone step becomes a task in the agents' list; a call passes the contact gate before it counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from apps.contact.models import CallOutcome, ContactAttempt
from apps.outbox.models import MessageStatus
from apps.policies.models import Channel

pytestmark = pytest.mark.usefixtures("frozen_clock")

SCRIPT = "Hello, this is Acme about invoice INV-1. Ask whether a payment plan would help."


@pytest.fixture
def task(enqueue: Any) -> Any:
    return enqueue(Channel.PHONE, body=SCRIPT)


def test_it_turns_a_phone_step_into_an_open_task(task: Any) -> None:
    assert task.status == MessageStatus.SENT
    assert task.provider == "agent"
    # Writing a task is not a contact attempt: the call will be.
    assert not ContactAttempt.objects.exists()


def test_it_lists_open_phone_tasks_with_balance_and_script(task: Any, agent: Any, client_for: Any) -> None:
    page = client_for(agent).get(reverse("outbox:phone_tasks")).content.decode()

    assert "Camille Durand" in page
    assert "+33612345678" in page
    assert "€120.00" in page
    assert "Ask whether a payment plan would help." in page


def test_it_records_the_call_when_the_agent_is_done(task: Any, agent: Any, client_for: Any) -> None:
    browser = client_for(agent)
    response = browser.post(
        reverse("outbox:phone_task_done", kwargs={"message_id": task.pk}), {"outcome": CallOutcome.CONVERSATION}
    )

    assert response.status_code == 302
    attempt = ContactAttempt.objects.get(message=task)
    assert (attempt.channel, attempt.call_outcome, attempt.actor_label) == (
        Channel.PHONE,
        CallOutcome.CONVERSATION,
        agent.email,
    )
    task.refresh_from_db()
    assert task.status == MessageStatus.DELIVERED
    page = browser.get(reverse("outbox:phone_tasks")).content.decode()
    assert "Call recorded for Camille Durand." in page
    assert "No open phone task." in page


def test_it_refuses_a_call_the_rules_forbid_and_says_why(task: Any, agent: Any, client_for: Any, debtor: Any) -> None:
    debtor.cease_requested_at = dt.datetime(2026, 11, 19, tzinfo=dt.UTC)
    debtor.save(update_fields=["cease_requested_at"])

    response = client_for(agent).post(
        reverse("outbox:phone_task_done", kwargs={"message_id": task.pk}),
        {"outcome": CallOutcome.NO_ANSWER},
        follow=True,
    )

    page = response.content.decode()
    assert "Call refused by the contact rules (cease)" in page
    assert "asked to stop all contact" in page
    assert not ContactAttempt.objects.exists()
    task.refresh_from_db()
    assert task.status == MessageStatus.SENT


def test_it_says_when_a_deferred_call_is_allowed(task: Any, agent: Any, client_for: Any) -> None:
    # 22:30 in Paris: quiet hours.
    with time_machine.travel(dt.datetime(2026, 11, 20, 21, 30, tzinfo=dt.UTC), tick=False):
        response = client_for(agent).post(
            reverse("outbox:phone_task_done", kwargs={"message_id": task.pk}),
            {"outcome": CallOutcome.NO_ANSWER},
            follow=True,
        )

    page = response.content.decode()
    assert "Call refused by the contact rules" in page
    assert "Allowed from 2026-11-21" in page
    assert not ContactAttempt.objects.exists()


def test_it_hides_phone_tasks_from_signed_out_visitors(task: Any, client_for: Any) -> None:
    response = client_for().get(reverse("outbox:phone_tasks"))
    assert response.status_code == 302
