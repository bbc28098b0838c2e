"""An agent's email by hand passes the contact gate like every automatic message."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from apps.contact.models import ChannelOptOut, GateDecision, OptOutSource
from apps.debtors.services import contact_point_add, debtor_create
from apps.debts.services import debt_create
from apps.outbox.models import Message, Source

pytestmark = pytest.mark.django_db

# A Tuesday, 10:00 in Paris.
WEEKDAY_MORNING = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
# The same Tuesday, 22:00 in Paris: outside the 08:00–20:00 window.
WEEKDAY_NIGHT = dt.datetime(2026, 11, 24, 21, 0, tzinfo=dt.UTC)


@pytest.fixture
def lea(actor):
    debtor = debtor_create(external_ref="ME-1", name="Léa Petit", preferred_language="fr", actor=actor)
    contact_point_add(debtor=debtor, kind="email", value="lea.petit@example.fr", is_primary=True, actor=actor)
    contact_point_add(
        debtor=debtor,
        kind="address",
        address_line1="3 rue Neuve",
        postal_code="69001",
        city="Lyon",
        country="FR",
        actor=actor,
    )
    debt_create(
        debtor=debtor,
        external_ref="ME-INV-1",
        amount_minor=84_50,
        currency="EUR",
        issue_date=dt.date(2026, 9, 1),
        due_date=dt.date(2026, 10, 1),
        actor=actor,
    )
    return debtor


def send(client, debtor):
    return client.post(reverse("outbox:manual_email", kwargs={"debtor_id": debtor.pk}), {"template_key": "overdue"})


def test_it_queues_an_allowed_email_once_per_day(lea, agent, client_for, django_capture_on_commit_callbacks):
    client = client_for(agent)
    with time_machine.travel(WEEKDAY_MORNING, tick=False):
        send(client, lea)
        send(client, lea)
    sent = Message.objects.filter(debtor=lea, source=Source.MANUAL)
    assert sent.count() == 1
    body = sent.get().body
    assert "84,50" in body
    assert "/outbox/unsubscribe/" in body


def test_it_defers_an_email_outside_quiet_hours(lea, agent, client_for):
    with time_machine.travel(WEEKDAY_NIGHT, tick=False):
        response = send(client_for(agent), lea)
    message = Message.objects.get(debtor=lea, source=Source.MANUAL)
    assert message.not_before is not None
    assert message.not_before > WEEKDAY_NIGHT
    assert response.status_code == 302


def test_it_refuses_an_email_the_debtor_opted_out_of(lea, agent, client_for):
    ChannelOptOut.objects.create(debtor=lea, channel="email", source=OptOutSource.UNSUBSCRIBE_LINK)
    client = client_for(agent)
    with time_machine.travel(WEEKDAY_MORNING, tick=False):
        response = send(client, lea)
    assert not Message.objects.filter(debtor=lea, source=Source.MANUAL).exists()
    assert GateDecision.objects.filter(debtor=lea, outcome="deny", source=Source.MANUAL).exists()
    page = client.get(response["Location"]).content.decode()
    assert "Not sent" in page


def test_viewers_cannot_send(lea, viewer, client_for):
    assert send(client_for(viewer), lea).status_code == 403
