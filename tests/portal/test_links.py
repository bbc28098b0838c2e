from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test import override_settings
from django_tenants.utils import tenant_context

from apps.audit.services import Actor
from apps.portal.access import SESSION_KEY
from apps.portal.links import portal_link
from tests.factories import make_debtor

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC)


def _path(link: str) -> str:
    return link.split("localhost:8000", 1)[1] if "localhost:8000" in link else "/" + link.split("/", 3)[3]


def test_it_makes_an_absolute_link_on_the_tenant_host(debtor):
    link = portal_link(debtor)
    assert link.startswith("http://acme.localhost")
    assert "/p/" in link


def test_it_opens_the_debtors_own_overview_from_the_link(debtor, portal_client):
    response = portal_client.get(_path(portal_link(debtor)))
    assert response.status_code == 302
    assert response.url == "/p/"
    assert portal_client.session[SESSION_KEY] == str(debtor.pk)
    page = portal_client.get("/p/")
    assert page.status_code == 200
    assert "Camille Durand" in page.content.decode()


def test_it_gives_a_new_session_key_on_entry(debtor, portal_client):
    portal_client.get("/p/sign-in/")
    session = portal_client.session
    session["something"] = "x"
    session.save()
    before = session.session_key
    portal_client.get(_path(portal_link(debtor)))
    assert portal_client.session.session_key != before


def test_it_refuses_a_tampered_link(debtor, portal_client):
    path = _path(portal_link(debtor))
    tampered = path[:-3] + ("a" if path[-3] != "a" else "b") + path[-2:]
    response = portal_client.get(tampered)
    assert response.status_code == 404
    assert "This link does not work" in response.content.decode()
    assert SESSION_KEY not in portal_client.session


def test_it_says_an_old_link_has_expired_and_offers_the_sign_in(debtor, portal_client):
    with time_machine.travel(NOW, tick=False):
        path = _path(portal_link(debtor))
    with time_machine.travel(NOW + dt.timedelta(days=61), tick=False):
        response = portal_client.get(path)
    assert response.status_code == 410
    body = response.content.decode()
    assert "This link has expired" in body
    assert 'href="/p/sign-in/"' in body
    with time_machine.travel(NOW + dt.timedelta(days=59), tick=False):
        assert portal_client.get(path).status_code == 302


@override_settings(AMIABLE_PORTAL_LINK_DAYS=1)
def test_it_reads_the_link_lifetime_from_the_settings(debtor, portal_client):
    with time_machine.travel(NOW, tick=False):
        path = _path(portal_link(debtor))
    with time_machine.travel(NOW + dt.timedelta(days=2), tick=False):
        assert portal_client.get(path).status_code == 410


def test_it_refuses_a_link_from_another_tenant(tenant, other_tenant, outsider, portal_client):
    with tenant_context(other_tenant):
        gina = make_debtor(Actor.for_user(outsider), "G-1", "Gina Globex")
        path = _path(portal_link(gina))
    connection.set_tenant(tenant)
    response = portal_client.get(path)
    assert response.status_code == 404
    assert SESSION_KEY not in portal_client.session


def test_it_sends_a_stranger_without_a_link_to_the_sign_in(portal_client, tenant):
    response = portal_client.get("/p/")
    assert response.status_code == 302
    assert response.url == "/p/sign-in/"


def test_it_keeps_the_portal_apart_from_staff_sign_in(debtor, portal_client):
    portal_client.get(_path(portal_link(debtor)))
    assert portal_client.get("/debtors/").status_code == 302  # staff pages still ask for a staff login
