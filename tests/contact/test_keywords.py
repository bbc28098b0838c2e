"""STOP keywords in English, French and Polish (US18), and the SMS opt-out they lead to."""

from __future__ import annotations

import pytest

from apps.audit.models import AuditEvent
from apps.contact.keywords import stop_intent
from apps.contact.models import ChannelOptOut
from apps.contact.services import sms_opt_out_record
from apps.tenants.models import Tenant
from tests.contact.conftest import SYSTEM, debtor_make, point_make


@pytest.mark.parametrize(
    "text",
    [
        "STOP",
        "stop",
        " Stop. ",
        "STOPALL",
        "unsubscribe",
        "Cancel",
        "END",
        "quit",
        "Revoke",
        "opt out",
        "Opt-out",
        "Arrêt",
        "ARRET",
        "désabonner",
        "STOP merci",
        "nie pisz",
        "NIE PISZ więcej",
        "Wypisz mnie",
        "rezygnuję",
        "REZYGNUJE",
        "Nie wysyłaj",
    ],
)
def test_it_hears_stop_in_three_languages(text: str) -> None:
    assert stop_intent(text)


@pytest.mark.parametrize(
    "text",
    ["", "Hello, I will pay on Friday", "Please don't stop the plan", "Stopper", "Paiement demain", "Zapłacę jutro"],
)
def test_it_does_not_hear_stop_in_ordinary_replies(text: str) -> None:
    assert not stop_intent(text)


@pytest.mark.django_db
def test_it_records_one_sms_opt_out_with_audit_however_often_stop_arrives(tenant: Tenant) -> None:
    ana = debtor_make("FR-1")
    phone = point_make(ana, "phone", "+33612345678")
    first = sms_opt_out_record(debtor=ana, contact_point=phone, evidence="SMS reply: STOP", actor=SYSTEM)
    again = sms_opt_out_record(debtor=ana, contact_point=phone, evidence="SMS reply: Arrêt", actor=SYSTEM)

    assert first == again
    assert (first.channel, first.source, first.contact_point) == ("sms", "stop_keyword", phone)
    assert ChannelOptOut.objects.filter(debtor=ana).count() == 1
    assert AuditEvent.objects.filter(action="debtor.opt_out", object_id=str(ana.pk)).count() == 1
