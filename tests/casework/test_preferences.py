"""Contact preferences in the portal: a channel turned off is refused by the contact gate at once, turned on again
it is allowed; the language chosen is the debtor's preferred language and the pages' language."""

from __future__ import annotations

import pytest

from apps.audit.models import AuditEvent
from apps.contact.gate import ContactRequest, gate_check
from apps.contact.models import ChannelOptOut, OptOutSource
from apps.contact.services import sms_opt_out_record
from apps.debtors.models import ContactPoint
from tests.casework.conftest import email_point
from tests.factories import NOW

pytestmark = pytest.mark.django_db
ALL_ON = {"email": "on", "sms": "on", "letter": "on", "phone": "on", "language": "fr"}


def email_to(debtor):
    return ContactRequest(debtor=debtor, channel="email", at=NOW, contact_point=email_point(debtor))


def letter_to(debtor):
    address = ContactPoint.objects.get(debtor=debtor, kind="address")
    return ContactRequest(debtor=debtor, channel="letter", at=NOW, contact_point=address)


def test_it_shows_every_channel_on_and_the_debtors_language(portal, debt):
    body = portal.get("/p/preferences/").content.decode()
    for name in ("email", "sms", "letter", "phone"):
        assert f'type="checkbox" name="{name}" id="id_{name}" checked' in body
    assert 'value="fr" required id="id_language_1" checked' in body


def test_it_stops_a_channel_in_the_gate_at_once_and_allows_it_again(portal, debtor, debt):
    assert gate_check(email_to(debtor)).allowed

    response = portal.post("/p/preferences/", {**ALL_ON, "email": ""})
    assert (response.status_code, response.url) == (302, "/p/preferences/")
    opt_out = ChannelOptOut.objects.get(debtor=debtor, revoked_at__isnull=True)
    assert (opt_out.channel, opt_out.source) == ("email", OptOutSource.PORTAL)
    verdict = gate_check(email_to(debtor))
    assert (verdict.outcome, verdict.rule) == ("deny", "opted_out")
    # "Stop emailing me" stops email, not letters.
    assert gate_check(letter_to(debtor)).allowed
    assert 'name="email" id="id_email">' in portal.get("/p/preferences/").content.decode()

    portal.post("/p/preferences/", ALL_ON)
    assert gate_check(email_to(debtor)).allowed
    assert ChannelOptOut.objects.get(debtor=debtor).revoked_at is not None  # kept on record
    actions = list(
        AuditEvent.objects.filter(actor_label="debtor C-100 (portal)", action__startswith="debtor.opt").values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == ["debtor.opt_in", "debtor.opt_out"]


def test_it_lets_a_debtor_who_replied_stop_see_it_and_allow_texts_again(portal, debtor, actor):
    sms_opt_out_record(debtor=debtor, evidence="STOP", actor=actor)
    assert 'name="sms" id="id_sms">' in portal.get("/p/preferences/").content.decode()
    portal.post("/p/preferences/", ALL_ON)
    assert not ChannelOptOut.objects.filter(debtor=debtor, revoked_at__isnull=True).exists()


def test_it_saves_the_language_and_shows_the_pages_in_it(portal, debtor):
    response = portal.post("/p/preferences/", {**ALL_ON, "language": "pl"})
    debtor.refresh_from_db()
    assert debtor.preferred_language == "pl"
    assert response.cookies["django_language"].value == "pl"
    assert '<html lang="pl">' in portal.get("/p/preferences/").content.decode()
    assert AuditEvent.objects.filter(action="debtor.updated", actor_label="debtor C-100 (portal)").exists()


def test_it_refuses_an_unknown_language_and_changes_nothing(portal, debtor):
    response = portal.post("/p/preferences/", {**ALL_ON, "email": "", "language": "de"})
    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    assert not ChannelOptOut.objects.exists()
    debtor.refresh_from_db()
    assert debtor.preferred_language == "fr"
