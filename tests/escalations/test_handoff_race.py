"""Two managers handing the same debt to agencies at once: exactly one hand-off is recorded, the other is told the
debt is already with an agency.

Each manager acts on a database connection of their own (a thread each), so the hand-offs really race in PostgreSQL.
That needs committed data (`transaction=True`), written in a tenant of this module's own that is dropped at the end,
so nothing committed here reaches another test (the same arrangement as tests/casework/test_claim_race.py)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection, connections

from apps.accounts.models import Role, User
from apps.audit.models import AuditEvent
from apps.audit.services import Actor
from apps.core.errors import DomainError
from apps.debts.models import Debt, DebtStatus
from apps.escalations.models import AgencyHandoff
from apps.escalations.services import agency_handoff
from apps.tenants.models import Tenant
from tests.conftest import make_user
from tests.factories import make_debt, make_debtor
from tests.race import race_tenant_create, race_tenant_drop

SUBDOMAIN = "handoffrace"
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def race_tenant(django_db_setup: None, django_db_blocker: Any) -> Iterator[Tenant]:
    with django_db_blocker.unblock():
        tenant = race_tenant_create(SUBDOMAIN, "Hand-off Race SARL")
    yield tenant
    with django_db_blocker.unblock():
        race_tenant_drop(SUBDOMAIN)


@pytest.fixture
def race(race_tenant: Tenant, transactional_db: None) -> Iterator[dict[str, Any]]:
    connection.set_tenant(race_tenant)
    system = Actor.system("test")
    managers = [make_user(Role.MANAGER, "mia@handoffrace.test"), make_user(Role.MANAGER, "max@handoffrace.test")]
    debtor = make_debtor(system, "R-1", "Rosa Race")
    yield {"tenant": race_tenant, "managers": managers, "debtor": debtor, "system": system}
    # The flush that follows a transactional test empties the tables of the connection's schema: this tenant's.
    connection.set_tenant(race_tenant)


def _hand_off_in_thread(
    tenant: Tenant, debt_id: Any, user_id: int, agency: str, results: dict[int, str], start: threading.Barrier
) -> None:
    try:
        connection.set_tenant(tenant)
        user = User.objects.get(pk=user_id)
        debt = Debt.objects.get(pk=debt_id)
        start.wait()
        agency_handoff(debt=debt, agency_name=agency, commission_pct=30, reason="race", actor=Actor.for_user(user))
        results[user_id] = "won"
    except DomainError as exc:
        results[user_id] = exc.message
    except Exception as exc:  # reported by the test, not swallowed
        results[user_id] = f"error: {exc!r}"
    finally:
        connections.close_all()


def test_it_records_one_hand_off_when_two_managers_hand_off_a_debt_at_once(race: dict[str, Any]) -> None:
    mia, max_ = race["managers"]
    for round_ in range(4):
        debt = make_debt(race["system"], race["debtor"], f"R-INV-{round_}", 300_00, days_past_due=100)
        start = threading.Barrier(2, timeout=10)
        results: dict[int, str] = {}
        threads = [
            threading.Thread(
                target=_hand_off_in_thread, args=(race["tenant"], debt.pk, user.pk, agency, results, start)
            )
            for user, agency in ((mia, "Agency A"), (max_, "Agency B"))
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)

        assert sorted(results) == sorted([mia.pk, max_.pk]), results
        assert sorted(results.values()) == sorted(["won", f"R-INV-{round_} is already with an agency."]), results
        debt.refresh_from_db()
        assert debt.status == DebtStatus.ESCALATED
        assert AgencyHandoff.objects.filter(debt=debt).count() == 1
        assert AuditEvent.objects.filter(action="debt.escalate", object_id=str(debt.pk)).count() == 1
