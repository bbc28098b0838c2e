"""What each staff role may do. Views and API endpoints check these, never role names directly."""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from apps.accounts.models import Role


class Perm(enum.StrEnum):
    VIEW = "view"
    EDIT_DEBTS = "edit_debts"  # debtors, debts, contact points, offline payments, adjustments, imports
    MANAGE_STAFF = "manage_staff"
    MANAGE_STAFF_ANY_ROLE = "manage_staff_any_role"  # may invite owners and managers too
    MANAGE_API_KEYS = "manage_api_keys"
    MANAGE_TENANT = "manage_tenant"
    MANAGE_POLICIES = "manage_policies"  # collection policies, message templates, margins, contact rules
    CONTACT_DEBTORS = "contact_debtors"  # send a message by hand (through the contact gate)
    WORK_CASES = "work_cases"  # take and resolve cases (disputes, hardship, callbacks), read their documents
    APPROVE_ARRANGEMENTS = "approve_arrangements"  # approve or decline a debtor's request outside the margins
    MANAGE_PAYMENTS = "manage_payments"  # the tenant's Stripe account, card refunds
    ESCALATE = "escalate"  # attorney letter, hand-off to a collection agency, write-off


ROLE_PERMS: dict[str, frozenset[Perm]] = {
    Role.OWNER: frozenset(Perm),
    Role.MANAGER: frozenset(
        {
            Perm.VIEW,
            Perm.EDIT_DEBTS,
            Perm.MANAGE_STAFF,
            Perm.MANAGE_POLICIES,
            Perm.CONTACT_DEBTORS,
            Perm.WORK_CASES,
            Perm.MANAGE_PAYMENTS,
            Perm.APPROVE_ARRANGEMENTS,
            Perm.ESCALATE,
        }
    ),
    Role.AGENT: frozenset({Perm.VIEW, Perm.CONTACT_DEBTORS, Perm.WORK_CASES}),
    Role.VIEWER: frozenset({Perm.VIEW}),
}

# Roles a user holding MANAGE_STAFF without MANAGE_STAFF_ANY_ROLE may invite.
JUNIOR_ROLES = (Role.AGENT, Role.VIEWER)


def user_has_perm(user: Any, perm: Perm) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return perm in ROLE_PERMS.get(user.role, frozenset())


def roles_user_may_invite(user: Any) -> list[str]:
    if user_has_perm(user, Perm.MANAGE_STAFF_ANY_ROLE):
        return list(Role.values)
    if user_has_perm(user, Perm.MANAGE_STAFF):
        return [str(r) for r in JUNIOR_ROLES]
    return []


def require_perm(perm: Perm) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Staff view decorator: signed in, and the role grants `perm` (else 403)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not user_has_perm(request.user, perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
