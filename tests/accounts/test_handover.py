"""The signup handover link signs the new owner in once, for two minutes, on its own tenant only."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from apps.accounts.tokens import handover_token_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(owner, tenant):
    return handover_token_make(user=owner, schema_name=tenant.schema_name)


def test_it_signs_the_owner_in_and_refuses_the_same_link_twice(client_for, token):
    browser = client_for()
    assert browser.get("/accounts/welcome/", {"token": token}).status_code == 302
    assert browser.get("/accounts/profile/").status_code == 200

    stranger = client_for()
    again = stranger.get("/accounts/welcome/", {"token": token})

    assert again.status_code == 410
    assert "already been used" in again.content.decode()
    assert stranger.get("/accounts/profile/").status_code == 302


def test_it_refuses_an_expired_link(client_for, owner, tenant):
    made_at = timezone.now()
    with time_machine.travel(made_at, tick=False):
        token = handover_token_make(user=owner, schema_name=tenant.schema_name)
    browser = client_for()
    with time_machine.travel(made_at + dt.timedelta(minutes=3), tick=False):
        response = browser.get("/accounts/welcome/", {"token": token})

    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert browser.get("/accounts/profile/").status_code == 302


def test_it_refuses_a_tampered_link(client_for, token):
    browser = client_for()
    response = browser.get("/accounts/welcome/", {"token": token[:-2] + ("AA" if token[-2:] != "AA" else "BB")})

    assert response.status_code == 400
    assert "not valid" in response.content.decode()
    assert browser.get("/accounts/profile/").status_code == 302


def test_it_refuses_a_link_made_for_another_tenant(client_for, token, other_tenant):
    browser = client_for(on=other_tenant)
    response = browser.get("/accounts/welcome/", {"token": token})

    assert response.status_code == 400
    assert browser.get("/accounts/profile/").status_code == 302
