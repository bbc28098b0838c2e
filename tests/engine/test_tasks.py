"""The beat entry starts each tenant's run once its local run hour has come, inside that tenant's schema."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django_tenants.utils import schema_context

from apps.engine.models import CollectionRun
from apps.engine.tasks import collection_runs_due
from apps.tenants.models import Tenant

pytestmark = pytest.mark.django_db

# acme runs in Paris, globex in New York; both keep the default run hour (09:00).
PARIS_08_45 = dt.datetime(2026, 11, 20, 7, 45, tzinfo=dt.UTC)
PARIS_09_15 = dt.datetime(2026, 11, 20, 8, 15, tzinfo=dt.UTC)
NEW_YORK_09_15 = dt.datetime(2026, 11, 20, 14, 15, tzinfo=dt.UTC)


def runs(tenant: Tenant) -> list[dt.date]:
    with schema_context(tenant.schema_name):
        return list(CollectionRun.objects.values_list("run_date", flat=True))


def test_it_starts_each_tenant_s_run_at_its_local_hour_once_a_day(tenant: Tenant, other_tenant: Tenant) -> None:
    connection.set_schema_to_public()  # type: ignore[attr-defined]
    with time_machine.travel(PARIS_08_45, tick=False):
        assert collection_runs_due() == []
    with time_machine.travel(PARIS_09_15, tick=False):
        assert collection_runs_due() == [tenant.schema_name]
        assert collection_runs_due() == []
    assert runs(tenant) == [dt.date(2026, 11, 20)]
    assert runs(other_tenant) == []
    with time_machine.travel(NEW_YORK_09_15, tick=False):
        assert collection_runs_due() == [other_tenant.schema_name]
    assert runs(other_tenant) == [dt.date(2026, 11, 20)]


def test_it_leaves_suspended_tenants_alone(tenant: Tenant) -> None:
    Tenant.objects.filter(pk=tenant.pk).update(status="suspended")
    connection.set_schema_to_public()  # type: ignore[attr-defined]
    with time_machine.travel(PARIS_09_15, tick=False):
        assert tenant.schema_name not in collection_runs_due()
