"""Every message the engine or an agent writes carries the debtor's own portal link, and the link opens it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine

from apps.audit.services import Actor
from apps.debtors.services import contact_point_add
from apps.debts.services import debt_create
from apps.engine.services import collection_run
from apps.outbox.models import Message
from apps.outbox.services import manual_email_send
from apps.portal.access import SESSION_KEY
from tests.factories import make_debtor

pytestmark = pytest.mark.django_db

# A Tuesday, 10:00 in Paris.
WEEKDAY_MORNING = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
LINK = re.compile(r"http://acme\.localhost:8000(/p/[^/\s]+/)")


@pytest.fixture
def lea(actor: Actor):
    debtor = make_debtor(actor, "ML-1", "Léa Petit", preferred_language="fr")
    contact_point_add(debtor=debtor, kind="email", value="lea.petit@example.fr", is_primary=True, actor=actor)
    debt_create(
        debtor=debtor,
        external_ref="ML-INV-1",
        amount_minor=84_50,
        currency="EUR",
        issue_date=dt.date(2026, 10, 1),
        due_date=dt.date(2026, 11, 23),
        actor=actor,
    )
    return debtor


def opens_portal_of(client, body: str) -> str:
    match = LINK.search(body)
    assert match, body
    assert client.get(match.group(1)).status_code == 302
    return client.session[SESSION_KEY]


def test_it_puts_the_portal_link_in_the_engines_messages(lea, portal_client):
    with time_machine.travel(WEEKDAY_MORNING, tick=False):
        collection_run()
    [message] = Message.objects.filter(debtor=lea)
    assert opens_portal_of(portal_client, message.body) == str(lea.pk)


def test_it_puts_the_portal_link_in_an_agents_email(lea, actor, portal_client):
    with time_machine.travel(WEEKDAY_MORNING, tick=False):
        _verdict, message = manual_email_send(debtor=lea, template_key="overdue", actor=actor)
    assert message is not None
    assert opens_portal_of(portal_client, message.body) == str(lea.pk)
