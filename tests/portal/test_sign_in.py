from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from apps.audit.models import AuditEvent
from apps.portal.access import SESSION_KEY, client_ip

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC)
FAILED = "We could not find your account with these details."


def sign_in(client, reference, postal_code="", date_of_birth="", **extra):
    return client.post(
        "/p/sign-in/",
        {"reference": reference, "postal_code": postal_code, "date_of_birth": date_of_birth},
        **extra,
    )


def test_it_signs_in_with_a_debt_reference_and_the_postal_code(debtor, portal_client):
    response = sign_in(portal_client, "INV-1", postal_code="75 116")
    assert response.status_code == 302
    assert response.url == "/p/"
    assert portal_client.session[SESSION_KEY] == str(debtor.pk)


def test_it_signs_in_with_the_debtor_reference_and_the_date_of_birth(debtor, portal_client):
    response = sign_in(portal_client, "C-100", date_of_birth="1980-05-17")
    assert response.status_code == 302
    assert portal_client.session[SESSION_KEY] == str(debtor.pk)


def test_it_answers_the_same_for_an_unknown_reference_and_a_wrong_detail(debtor, portal_client):
    unknown = sign_in(portal_client, "NOPE-1", postal_code="75116")
    wrong = sign_in(portal_client, "INV-1", postal_code="13001")
    assert unknown.status_code == wrong.status_code == 200
    assert FAILED in unknown.content.decode()
    assert FAILED in wrong.content.decode()
    assert SESSION_KEY not in portal_client.session


def test_it_asks_for_one_verification_detail(debtor, portal_client):
    response = sign_in(portal_client, "INV-1")
    assert "Give your postal code or your date of birth." in response.content.decode()
    assert SESSION_KEY not in portal_client.session


def test_it_locks_a_reference_out_after_five_failures_for_fifteen_minutes(debtor, portal_client):
    with time_machine.travel(NOW, tick=False):
        for n in range(5):
            sign_in(portal_client, "INV-1", postal_code="0000", REMOTE_ADDR=f"10.0.0.{n}")
        # Even the right details are refused while locked, with the same message as any failure.
        locked = sign_in(portal_client, "INV-1", postal_code="75116", REMOTE_ADDR="10.0.1.1")
        assert FAILED in locked.content.decode()
        assert SESSION_KEY not in portal_client.session
    with time_machine.travel(NOW + dt.timedelta(minutes=14), tick=False):
        assert sign_in(portal_client, "INV-1", postal_code="75116", REMOTE_ADDR="10.0.1.2").status_code == 200
    with time_machine.travel(NOW + dt.timedelta(minutes=16), tick=False):
        assert sign_in(portal_client, "INV-1", postal_code="75116", REMOTE_ADDR="10.0.1.3").status_code == 302
    assert portal_client.session[SESSION_KEY] == str(debtor.pk)


def test_it_locks_a_client_address_out_after_five_failures(debtor, portal_client):
    with time_machine.travel(NOW, tick=False):
        for ref in ("NOPE-1", "NOPE-1", "c-100", "NOPE-1", "c-100"):
            sign_in(portal_client, ref, postal_code="0000")
        assert sign_in(portal_client, "C-100", date_of_birth="1980-05-17").status_code == 200
    with time_machine.travel(NOW + dt.timedelta(minutes=16), tick=False):
        assert sign_in(portal_client, "C-100", date_of_birth="1980-05-17").status_code == 302


def test_it_signs_out(debtor, portal_client):
    sign_in(portal_client, "INV-1", postal_code="75116")
    response = portal_client.post("/p/sign-out/")
    assert response.status_code == 302
    assert SESSION_KEY not in portal_client.session
    assert portal_client.get("/p/").status_code == 302


def test_it_writes_a_sign_in_and_a_lockout_in_the_audit_log(debtor, portal_client):
    sign_in(portal_client, "INV-1", postal_code="75116", REMOTE_ADDR="10.0.2.1")
    entered = AuditEvent.objects.get(action="portal.entered_by_sign_in")
    assert entered.object_id == str(debtor.pk)
    assert entered.after == {"client": "10.0.2.1"}
    with time_machine.travel(NOW, tick=False):
        for _ in range(6):
            sign_in(portal_client, "C-999", postal_code="0000", REMOTE_ADDR="10.0.2.2")
    locked = AuditEvent.objects.filter(action="portal.sign_in_locked")
    assert locked.count() == 1  # the failure that locks, not every refused attempt after it
    assert locked.get().after["client"] == "10.0.2.2"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "10.9.9.9"),  # no proxy: a client-sent header is ignored
        (1, "198.51.100.1, 203.0.113.9", "203.0.113.9"),  # the entry the one proxy appended
        (2, "198.51.100.1, 203.0.113.9, 10.0.0.7", "203.0.113.9"),
        (2, "203.0.113.9", "10.9.9.9"),  # fewer entries than proxies: not from our proxies
    ],
)
def test_it_takes_the_client_address_from_the_trusted_proxies_only(settings, rf, proxies, forwarded, expected):
    settings.AMIABLE_TRUSTED_PROXIES = proxies
    request = rf.get("/", REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected
