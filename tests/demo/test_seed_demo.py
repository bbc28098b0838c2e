"""The demo seed builds three creditors through the real services: staff, debtors, debts, ledgers, audit."""

from __future__ import annotations

import pytest
from django.db.models import Count, Q
from django_tenants.utils import schema_context, tenant_context

from apps.accounts.models import Role, User
from apps.audit.models import AuditEvent
from apps.debtors.models import ContactKind, ContactPoint, Debtor
from apps.debts.models import ACTIVE_STATUSES, Debt, DebtStatus, EntryKind, LedgerEntry
from apps.demo.seed import (
    DEMO_PASSWORD,
    DEMO_TENANTS,
    FR,
    OPERATOR_EMAIL,
    PL,
    demo_summary,
    seed_demo,
    staff_email,
)
from apps.tenants.models import Tenant

pytestmark = pytest.mark.django_db

SIZE = 6


def test_it_creates_a_french_a_polish_and_a_us_creditor_with_staff_in_every_role():
    report = seed_demo(size=SIZE)

    tenants = {t.subdomain: t for t in Tenant.objects.filter(subdomain__in=[s.subdomain for s in DEMO_TENANTS])}
    assert sorted(report.created) == sorted(tenants)
    assert {(t.jurisdiction, t.currency, t.default_locale, t.timezone) for t in tenants.values()} == {
        ("FR", "EUR", "fr", "Europe/Paris"),
        ("PL", "PLN", "pl", "Europe/Warsaw"),
        ("US", "USD", "en", "America/Chicago"),
    }
    for spec in DEMO_TENANTS:
        with tenant_context(tenants[spec.subdomain]):
            assert Debtor.objects.count() == SIZE
            assert ContactPoint.objects.filter(kind=ContactKind.ADDRESS, country=spec.country).count() == SIZE
            assert set(Debt.objects.values_list("currency", flat=True)) == {spec.currency}
            for role in (Role.OWNER, Role.MANAGER, Role.AGENT, Role.VIEWER):
                user = User.objects.get(email=staff_email(spec, role))
                assert user.role == role
                assert user.check_password(DEMO_PASSWORD)
    with schema_context("public"):
        operator = User.objects.get(email=OPERATOR_EMAIL)
    assert operator.is_staff
    assert operator.is_superuser
    assert operator.check_password(DEMO_PASSWORD)


def test_it_prints_the_public_site_and_each_tenant_url_with_its_logins():
    seed_demo(size=SIZE, tenants=(PL,))

    text = "\n".join(demo_summary())

    assert "Public site (signup):   http://localhost:8000/" in text
    assert "Operator console:       http://localhost:8000/operator/" in text
    assert f"operator {OPERATOR_EMAIL} / {DEMO_PASSWORD}" in text
    assert "http://wisla.localhost:8000/" in text
    assert "API docs: http://wisla.localhost:8000/api/docs/" in text
    for role in ("owner", "manager", "agent", "viewer"):
        assert f"{role}@wisla.example / {DEMO_PASSWORD}" in text
    assert "lumiere.localhost" not in text


def test_it_writes_debts_whose_balances_are_their_ledgers_and_audits_every_write():
    seed_demo(size=SIZE * 3, tenants=(FR,))

    with tenant_context(Tenant.objects.get(subdomain=FR.subdomain)):
        debts = list(Debt.objects.with_balance())
        assert len(debts) >= SIZE * 3
        for debt in debts:
            entries = LedgerEntry.objects.filter(debt=debt)
            assert debt.balance_minor == sum(e.amount_minor for e in entries)
            assert entries.filter(kind=EntryKind.CHARGE).get().amount_minor == debt.original_amount_minor
            if debt.status in ACTIVE_STATUSES:
                assert debt.balance_minor > 0
            else:
                assert debt.balance_minor == 0

        actions = dict(AuditEvent.objects.values_list("action").annotate(n=Count("id")).order_by())
        paid = Debt.objects.filter(status=DebtStatus.PAID).count()
        closed_by_staff = Debt.objects.filter(~Q(status__in=ACTIVE_STATUSES) & ~Q(status=DebtStatus.PAID)).count()
        assert actions["debtor.created"] == Debtor.objects.count()
        assert actions["contact_point.added"] == ContactPoint.objects.count()
        assert actions["debt.created"] == len(debts)
        assert actions.get("debt.payment_recorded", 0) == LedgerEntry.objects.filter(kind=EntryKind.PAYMENT).count()
        assert actions.get("debt.mark_paid", 0) == paid
        assert sum(actions.get(f"debt.{name}", 0) for name in ("settle", "write_off", "cancel")) == closed_by_staff
        assert AuditEvent.objects.filter(action="debt.created", actor_label=staff_email(FR, "manager")).exists()


def test_it_leaves_an_existing_tenant_alone_when_run_again():
    seed_demo(size=SIZE, tenants=(PL,))
    tenant = Tenant.objects.get(subdomain=PL.subdomain)
    with tenant_context(tenant):
        before = (Debtor.objects.count(), Debt.objects.count(), LedgerEntry.objects.count())

    again = seed_demo(size=SIZE, tenants=(PL,))

    assert again.created == []
    assert again.skipped == [PL.subdomain]
    with tenant_context(tenant):
        assert (Debtor.objects.count(), Debt.objects.count(), LedgerEntry.objects.count()) == before
    with schema_context("public"):
        assert User.objects.filter(email=OPERATOR_EMAIL).count() == 1
