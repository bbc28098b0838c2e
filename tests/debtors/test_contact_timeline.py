"""The debtor page shows the messages written to the debtor and the contact gate's refusals, with the rule."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.contact.gate import ContactRequest, gate_decide
from apps.contact.services import sms_opt_out_record
from apps.debtors.services import contact_point_add, debtor_create
from apps.outbox.models import Message

pytestmark = pytest.mark.django_db


def test_it_shows_messages_and_refusals_on_the_debtor_page(tenant, actor, manager, client_for):
    debtor = debtor_create(external_ref="TL-1", name="Théo Lambert", actor=actor)
    phone = contact_point_add(debtor=debtor, kind="phone", value="+33 6 12 34 56 78", actor=actor)
    Message.objects.create(
        idempotency_key="manual:tl-1",
        debtor=debtor,
        channel="email",
        to_address="theo@example.fr",
        locale="fr",
        stage="friendly",
        subject="Petit rappel",
        body="Bonjour",
        created_by_label=manager.email,
    )
    sms_opt_out_record(debtor=debtor, contact_point=phone, evidence="SMS reply: STOP", actor=actor)
    verdict = gate_decide(
        ContactRequest(
            debtor=debtor,
            channel="sms",
            at=timezone.now().replace(hour=10) + dt.timedelta(days=1),
            contact_point=phone,
            source="manual",
            actor_label=manager.email,
        )
    )
    assert not verdict.allowed

    page = client_for(manager).get(reverse("debtors:detail", kwargs={"debtor_id": debtor.pk})).content.decode()

    assert "Petit rappel" in page
    assert verdict.rule in page
