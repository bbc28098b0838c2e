"""Two agents claiming the same case at once: exactly one gets it, the other is told who has it (C1).

Each agent claims on a database connection of their own (a thread each), so the claims really race in PostgreSQL.
That needs committed data (`transaction=True`), which is written in a tenant of this module's own: after each test
the flush empties that tenant's tables (the connection is left in its schema), and the tenant is dropped at the end,
so nothing committed here reaches another test."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection, connections, transaction

from apps.accounts.models import Role, User
from apps.audit.models import AuditEvent
from apps.audit.services import Actor
from apps.casework.models import Case, CaseKind
from apps.casework.services import CaseTaken, case_claim, case_open
from apps.tenants.models import Tenant
from tests.conftest import make_user
from tests.factories import make_debtor
from tests.race import race_tenant_create, race_tenant_drop

SUBDOMAIN = "claimrace"
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def race_tenant(django_db_setup: None, django_db_blocker: Any) -> Iterator[Tenant]:
    with django_db_blocker.unblock():
        tenant = race_tenant_create(SUBDOMAIN, "Claim Race SARL")
    yield tenant
    with django_db_blocker.unblock():
        race_tenant_drop(SUBDOMAIN)


@pytest.fixture
def race(race_tenant: Tenant, transactional_db: None) -> Iterator[dict[str, Any]]:
    """Two agents and an open dispute nobody holds, committed in the race tenant."""
    connection.set_tenant(race_tenant)
    system = Actor.system("test")
    ada = make_user(Role.AGENT, "ada@claimrace.test")
    ben = make_user(Role.AGENT, "ben@claimrace.test")
    debtor = make_debtor(system, "R-1", "Rosa Race")

    def new_case(subject: str) -> Case:
        return case_open(kind=CaseKind.DISPUTE, debtor=debtor, subject=subject, actor=system)

    yield {"tenant": race_tenant, "agents": [ada, ben], "new_case": new_case}
    # The flush that follows a transactional test empties the tables of the connection's schema: this tenant's.
    connection.set_tenant(race_tenant)


def _claim_in_thread(
    tenant: Tenant, case_id: Any, user_id: int, results: dict[int, str], before: Callable[[], None]
) -> None:
    try:
        connection.set_tenant(tenant)
        user = User.objects.get(pk=user_id)
        case = Case.objects.get(pk=case_id)
        before()
        case_claim(case=case, user=user, actor=Actor.for_user(user))
        results[user_id] = "won"
    except CaseTaken as exc:
        results[user_id] = exc.message
    except Exception as exc:  # reported by the test, not swallowed
        results[user_id] = f"error: {exc!r}"
    finally:
        connections.close_all()


def test_it_gives_a_case_claimed_by_two_agents_at_once_to_exactly_one(race):
    ada, ben = race["agents"]
    for round_ in range(5):
        case = race["new_case"](f"dispute {round_}")
        start = threading.Barrier(2, timeout=10)
        results: dict[int, str] = {}
        threads = [
            threading.Thread(target=_claim_in_thread, args=(race["tenant"], case.pk, u.pk, results, start.wait))
            for u in (ada, ben)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)

        assert sorted(results) == sorted([ada.pk, ben.pk]), results
        winners = [pk for pk, outcome in results.items() if outcome == "won"]
        assert len(winners) == 1, results
        winner = ada if winners[0] == ada.pk else ben
        loser = ben if winner == ada else ada
        assert results[loser.pk] == f"{winner.display_name} has this case: ask them, or a manager, to hand it over."
        case.refresh_from_db()
        assert case.assigned_to_id == winner.pk
        assert AuditEvent.objects.for_object(case).filter(action="case.assigned").count() == 1


def _waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return bool(cursor.fetchone()[0])


def test_the_second_claim_waits_for_the_first_and_then_names_who_has_the_case(race):
    ada, ben = race["agents"]
    case = race["new_case"]("dispute held open")
    tenant = race["tenant"]
    holding = threading.Event()
    release = threading.Event()
    results: dict[int, str] = {}

    def ada_claims_and_holds() -> None:
        try:
            connection.set_tenant(tenant)
            with transaction.atomic():
                case_claim(case=Case.objects.get(pk=case.pk), user=ada, actor=Actor.for_user(ada))
                holding.set()
                release.wait(timeout=20)  # Ada's claim is made but not committed yet
            results[ada.pk] = "won"
        finally:
            connections.close_all()

    first = threading.Thread(target=ada_claims_and_holds)
    first.start()
    assert holding.wait(timeout=10)
    second = threading.Thread(target=_claim_in_thread, args=(tenant, case.pk, ben.pk, results, lambda: None))
    second.start()
    deadline = time.monotonic() + 10
    while not _waiting_on_a_lock():  # Ben's claim waits on Ada's row lock...
        assert time.monotonic() < deadline, "the second claim never waited for the first"
        time.sleep(0.02)
    assert ben.pk not in results
    release.set()  # ...until Ada commits; then it sees her claim
    first.join(timeout=30)
    second.join(timeout=30)

    assert results == {ada.pk: "won", ben.pk: "Ada has this case: ask them, or a manager, to hand it over."}
    case.refresh_from_db()
    assert case.assigned_to_id == ada.pk
