"""Who may manage staff, role changes, deactivation, and the last owner who cannot be removed."""

from __future__ import annotations

import pytest

from apps.accounts.models import Role, User
from apps.accounts.services import user_change_role, user_deactivate
from apps.audit.models import AuditEvent
from apps.audit.services import Actor
from apps.core.errors import DomainError

pytestmark = pytest.mark.django_db


@pytest.fixture
def founder(tenant):
    """The owner created at acme's signup."""
    return User.objects.get(email="founder@acme.test")


@pytest.mark.parametrize("persona", ["agent", "viewer"])
@pytest.mark.parametrize("url", ["/accounts/staff/", "/accounts/settings/"])
def test_it_forbids_agents_and_viewers_staff_and_settings_pages(request, client_for, persona, url):
    user = request.getfixturevalue(persona)

    assert client_for(user).get(url).status_code == 403
    assert client_for(user).post(url, {"email": "x@acme.test", "role": Role.VIEWER}).status_code == 403


def test_it_shows_the_staff_list_with_roles(client_for, owner, agent):
    page = client_for(owner).get("/accounts/staff/").content.decode()

    assert agent.email in page
    assert "Agent" in page
    assert "founder@acme.test" in page


def test_it_lets_the_owner_change_a_role_with_an_audit_record(client_for, owner, agent):
    response = client_for(owner).post(f"/accounts/staff/{agent.public_id}/role/", {"role": Role.MANAGER})

    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.role == Role.MANAGER
    event = AuditEvent.objects.get(action="user.role_changed", object_id=str(agent.pk))
    assert (event.before, event.after) == ({"role": "agent"}, {"role": "manager"})


def test_it_forbids_a_manager_to_change_roles_or_deactivate(client_for, manager, agent):
    browser = client_for(manager)

    assert browser.post(f"/accounts/staff/{agent.public_id}/role/", {"role": Role.OWNER}).status_code == 403
    assert browser.post(f"/accounts/staff/{agent.public_id}/deactivate/").status_code == 403
    agent.refresh_from_db()
    assert (agent.role, agent.is_active) == (Role.AGENT, True)


def test_it_keeps_the_last_active_owner(client_for, owner, founder):
    browser = client_for(owner)
    browser.post(f"/accounts/staff/{founder.public_id}/role/", {"role": Role.VIEWER})
    founder.refresh_from_db()
    assert founder.role == Role.VIEWER

    response = browser.post(f"/accounts/staff/{owner.public_id}/role/", {"role": Role.MANAGER}, follow=True)

    assert "last active owner" in response.content.decode()
    owner.refresh_from_db()
    assert owner.role == Role.OWNER
    with pytest.raises(DomainError, match="last active owner"):
        user_deactivate(user=owner, actor=Actor.system("test"))
    with pytest.raises(DomainError, match="last active owner"):
        user_change_role(user=owner, role=Role.AGENT, actor=Actor.system("test"))


def test_it_deactivates_a_user_who_then_cannot_sign_in(client_for, owner, agent):
    agent_browser = client_for(agent)
    assert agent_browser.get("/accounts/profile/").status_code == 200

    response = client_for(owner).post(f"/accounts/staff/{agent.public_id}/deactivate/")

    assert response.status_code == 302
    agent.refresh_from_db()
    assert not agent.is_active
    assert agent_browser.get("/accounts/profile/").status_code == 302
    assert AuditEvent.objects.filter(action="user.deactivated", object_id=str(agent.pk)).exists()


def test_it_reactivates_a_deactivated_user(client_for, owner, agent):
    browser = client_for(owner)
    browser.post(f"/accounts/staff/{agent.public_id}/deactivate/")

    response = browser.post(f"/accounts/staff/{agent.public_id}/reactivate/")

    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.is_active
    assert client_for(agent).get("/accounts/profile/").status_code == 200


def test_it_refuses_to_let_an_owner_deactivate_themselves(owner):
    with pytest.raises(DomainError, match="yourself"):
        user_deactivate(user=owner, actor=Actor.for_user(owner))


def test_it_lets_staff_choose_their_own_language(client_for, viewer):
    browser = client_for(viewer)

    response = browser.post("/accounts/profile/", {"full_name": "Vic Viewer", "language": "pl"})

    assert response.status_code == 302
    viewer.refresh_from_db()
    assert viewer.language == "pl"
    assert browser.get("/accounts/profile/").headers["Content-Language"] == "pl"
