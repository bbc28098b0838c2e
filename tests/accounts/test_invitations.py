"""Invitations: a signed, expiring, single-use link by email; accepting creates the user with the invited role."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from apps.accounts.models import Invitation, Role, User
from apps.accounts.services import invitation_create
from apps.audit.models import AuditEvent
from apps.audit.services import Actor
from apps.core.errors import DomainError

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "plenty-of-entropy-here-42"


@pytest.fixture
def invite(client_for, owner, django_capture_on_commit_callbacks):
    """Invite `email` as `role` through the staff page as the owner; returns the link's path."""

    def send(email: str = "nina.new@acme.test", role: str = Role.AGENT, by=None) -> str:
        browser = client_for(by or owner)
        with django_capture_on_commit_callbacks(execute=True):
            response = browser.post("/accounts/staff/", {"email": email, "role": role})
        assert response.status_code == 302, response.content.decode()
        link = re.search(r"http://acme\.localhost:8000(/accounts/invitations/accept/[^/\s]+/)", mail.outbox[-1].body)
        assert link
        return link.group(1)

    return send


def accept(client, path: str, name: str = "Nina New", password: str = NEW_PASSWORD):
    return client.post(path, {"full_name": name, "password1": password, "password2": password})


def test_it_emails_a_link_that_creates_the_user_with_the_role_and_signs_them_in(invite, client_for, tenant):
    path = invite(role=Role.MANAGER)

    message = mail.outbox[-1]
    assert message.to == ["nina.new@acme.test"]
    assert "Acme Recouvrement SARL" in message.subject
    browser = client_for()
    form = browser.get(path)
    assert form.status_code == 200
    assert "nina.new@acme.test" in form.content.decode()

    response = accept(browser, path)

    assert response.status_code == 302
    user = User.objects.get(email="nina.new@acme.test")
    assert (user.role, user.full_name, user.language) == (Role.MANAGER, "Nina New", tenant.default_locale)
    assert browser.get("/accounts/profile/").status_code == 200
    assert AuditEvent.objects.filter(action="invitation.accepted").exists()


def test_it_writes_the_email_in_the_tenant_language(invite, tenant):
    tenant.default_locale = "pl"
    tenant.save(update_fields=["default_locale"])

    invite()

    html = mail.outbox[-1].alternatives[0][0]
    assert '<html lang="pl">' in html


def test_it_refuses_a_link_used_twice(invite, client_for):
    path = invite()
    assert accept(client_for(), path).status_code == 302

    again = accept(client_for(), path, name="Someone Else")

    assert again.status_code == 410
    assert "already been used" in again.content.decode()
    assert User.objects.filter(email="nina.new@acme.test").count() == 1


def test_it_refuses_an_expired_link(invite, client_for):
    sent_at = timezone.now()
    with time_machine.travel(sent_at, tick=False):
        path = invite()
    with time_machine.travel(sent_at + dt.timedelta(days=7, minutes=1), tick=False):
        response = accept(client_for(), path)

    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert "send a new invitation" in response.content.decode()
    assert not User.objects.filter(email="nina.new@acme.test").exists()


def test_it_refuses_a_tampered_link(invite, client_for):
    path = invite()
    token = path.rstrip("/").rsplit("/", 1)[1]
    forged = path.replace(token, token[:-3] + ("xyz" if not token.endswith("xyz") else "abc"))

    response = client_for().get(forged)

    assert response.status_code == 400
    assert "not valid" in response.content.decode()


def test_it_withdraws_an_older_invitation_when_the_same_email_is_invited_again(invite, client_for):
    first = invite(role=Role.VIEWER)
    second = invite(role=Role.AGENT)

    withdrawn = client_for().get(first)
    assert withdrawn.status_code == 410
    assert "withdrawn" in withdrawn.content.decode()
    assert accept(client_for(), second).status_code == 302
    assert User.objects.get(email="nina.new@acme.test").role == Role.AGENT


def test_it_refuses_a_revoked_invitation(invite, client_for, owner):
    path = invite()
    invitation = Invitation.objects.get(email="nina.new@acme.test")
    client_for(owner).post(f"/accounts/invitations/{invitation.public_id}/revoke/")

    response = client_for().get(path)

    assert response.status_code == 410
    assert "withdrawn" in response.content.decode()


def test_it_refuses_to_invite_an_existing_staff_member(client_for, owner, agent):
    response = client_for(owner).post("/accounts/staff/", {"email": agent.email.upper(), "role": Role.VIEWER})

    assert response.status_code == 400
    assert "already has a staff account" in response.content.decode()
    assert not Invitation.objects.exists()


def test_it_asks_for_a_stronger_password_and_keeps_the_link_usable(invite, client_for):
    path = invite()

    weak = accept(client_for(), path, password="12345678")

    assert weak.status_code == 400
    assert 'id="id_password1_error"' in weak.content.decode()
    assert accept(client_for(), path).status_code == 302


def test_it_lets_a_manager_invite_agents_and_viewers_only(client_for, manager, invite):
    invite(role=Role.VIEWER, by=manager)
    browser = client_for(manager)

    response = browser.post("/accounts/staff/", {"email": "boss@acme.test", "role": Role.OWNER})

    assert response.status_code == 400
    assert not Invitation.objects.filter(email="boss@acme.test").exists()
    with pytest.raises(DomainError, match="may not invite"):
        invitation_create(email="boss@acme.test", role=Role.MANAGER, invited_by=manager, actor=Actor.for_user(manager))
