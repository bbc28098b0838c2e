"""Debtors in the US (tenant globex), France and Poland (tenant acme), and a way to ask the gate about them."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

from apps.audit.services import Actor
from apps.contact.gate import ContactRequest
from apps.contact.models import ContactAttempt
from apps.debtors.models import ContactPoint, Debtor
from apps.debtors.services import contact_point_add, debtor_create
from apps.debts.models import Debt
from apps.debts.services import debt_create
from apps.policies.models import ContactRules, MessageTemplate
from apps.policies.selectors import contact_rules_get
from apps.tenants.models import Tenant

SYSTEM = Actor.system("gate tests")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
WARSAW = zoneinfo.ZoneInfo("Europe/Warsaw")


@pytest.fixture
def us(other_tenant: Tenant) -> Iterator[Tenant]:
    """Tenant globex (US jurisdiction), with the connection inside its schema."""
    connection.set_tenant(other_tenant)
    yield other_tenant
    connection.set_schema_to_public()


def local(tz: zoneinfo.ZoneInfo, *args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=tz)  # type: ignore[misc]


def rules_set(**fields: Any) -> ContactRules:
    rules = contact_rules_get()
    for name, value in fields.items():
        setattr(rules, name, value)
    rules.save()
    return rules


def debtor_make(ref: str, **fields: Any) -> Debtor:
    return debtor_create(external_ref=ref, name=f"Debtor {ref}", actor=SYSTEM, **fields)


def point_make(debtor: Debtor, kind: str, value: str = "", **fields: Any) -> ContactPoint:
    if kind == "address":
        fields.setdefault("address_line1", "1 Main Street")
        fields.setdefault("city", "Springfield")
    return contact_point_add(debtor=debtor, kind=kind, value=value, actor=SYSTEM, **fields)


def debt_make(debtor: Debtor, ref: str, due: dt.date = dt.date(2026, 1, 15), **fields: Any) -> Debt:
    debt = debt_create(
        debtor=debtor,
        external_ref=ref,
        amount_minor=120_00,
        currency=fields.pop("currency", "USD"),
        issue_date=due - dt.timedelta(days=30),
        due_date=due,
        actor=SYSTEM,
    )
    if fields:
        Debt.objects.filter(pk=debt.pk).update(**fields)
        debt.refresh_from_db()
    return debt


def template_make(key: str = "reminder", channel: str = "email", **fields: Any) -> MessageTemplate:
    body = "Hello {{ opt_out_link }}"
    return MessageTemplate.objects.create(key=key, channel=channel, locale="en", body=body, **fields)


def attempt_make(debtor: Debtor, channel: str, at: dt.datetime, **fields: Any) -> ContactAttempt:
    return ContactAttempt.objects.create(
        debtor=debtor, channel=channel, occurred_at=at, source="automatic", actor_label="test", **fields
    )


def ask(debtor: Debtor, channel: str, at: dt.datetime, point: ContactPoint | None, **fields: Any) -> ContactRequest:
    return ContactRequest(debtor=debtor, channel=channel, at=at, contact_point=point, **fields)
