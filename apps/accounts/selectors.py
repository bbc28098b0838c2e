"""Staff reads: who works here and who is invited."""

from __future__ import annotations

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone

from apps.accounts.models import Invitation, Role, User

_ROLE_ORDER = Case(
    *(When(role=role, then=Value(i)) for i, role in enumerate(Role.values)),
    default=Value(len(Role.values)),
    output_field=IntegerField(),
)


def staff_list() -> QuerySet[User]:
    """Active staff first, by role seniority, then by name."""
    return User.objects.annotate(role_order=_ROLE_ORDER).order_by("-is_active", "role_order", "full_name", "email")


def invitations_pending() -> QuerySet[Invitation]:
    return (
        Invitation.objects.select_related("invited_by")
        .filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())
        .order_by("-created_at")
    )
