"""Writes to the audit log. Every service that changes important state calls audit_record."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.db import models

from apps.audit.models import AuditEvent


@dataclasses.dataclass(frozen=True)
class Actor:
    """Who is acting: a staff user, an API key, or the system (imports, scheduled jobs)."""

    label: str
    user: Any = None
    api_key_id: int | None = None

    @classmethod
    def for_user(cls, user: Any) -> Actor:
        return cls(label=user.email, user=user)

    @classmethod
    def for_api_key(cls, key: Any) -> Actor:
        return cls(label=f"API key {key.prefix} ({key.name})", api_key_id=key.pk)

    @classmethod
    def system(cls, what: str = "system") -> Actor:
        return cls(label=what)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def snapshot(obj: models.Model, fields: list[str]) -> dict[str, Any]:
    return {f: _jsonable(getattr(obj, f)) for f in fields}


def audit_record(
    *,
    actor: Actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    if obj is not None:
        object_type = obj._meta.label_lower
        object_id = str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
    return AuditEvent.objects.create(
        actor_user=actor.user,
        actor_api_key_id=actor.api_key_id,
        actor_label=actor.label[:200],
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:200],
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
        reason=reason,
    )


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that changed, as (before, after)."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}
