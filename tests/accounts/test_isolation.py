"""Staff and invitations of another tenant are 404 from here, even for an owner."""

from __future__ import annotations

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from apps.accounts.models import Invitation, Role, User
from apps.accounts.services import invitation_create
from apps.audit.services import Actor

pytestmark = pytest.mark.django_db


@pytest.fixture
def globex_invitation(outsider, other_tenant, tenant, django_capture_on_commit_callbacks):
    with schema_context(other_tenant.schema_name):
        invitation = invitation_create(
            email="guest@globex.test", role=Role.AGENT, invited_by=outsider, actor=Actor.for_user(outsider)
        )
    connection.set_tenant(tenant)
    return invitation


@pytest.mark.parametrize("action", ["role", "deactivate", "reactivate"])
def test_it_answers_404_for_another_tenants_staff_member(client_for, owner, outsider, action):
    response = client_for(owner).post(f"/accounts/staff/{outsider.public_id}/{action}/", {"role": Role.VIEWER})

    assert response.status_code == 404


def test_it_answers_404_for_another_tenants_invitation(client_for, owner, globex_invitation, other_tenant):
    response = client_for(owner).post(f"/accounts/invitations/{globex_invitation.public_id}/revoke/")

    assert response.status_code == 404
    with schema_context(other_tenant.schema_name):
        assert Invitation.objects.get(pk=globex_invitation.pk).revoked_at is None


def test_it_does_not_honour_another_tenants_invitation_link(client_for, globex_invitation, other_tenant, tenant):
    from apps.accounts.services import invitation_link

    with schema_context(other_tenant.schema_name):
        path = "/" + invitation_link(globex_invitation).split("/", 3)[3]
    connection.set_tenant(tenant)

    response = client_for().get(path)

    assert response.status_code == 400
    assert not User.objects.filter(email="guest@globex.test").exists()
