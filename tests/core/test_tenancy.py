from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django_tenants.utils import schema_context, tenant_context

from apps.core.tenancy import on_commit_in_tenant
from apps.debtors.models import Debtor
from apps.debts.services import debt_payment_record
from tests.factories import make_debt, make_debtor

pytestmark = pytest.mark.django_db


def test_it_runs_a_commit_callback_in_the_schema_it_was_queued_from(tenant, django_capture_on_commit_callbacks):
    seen = []
    with schema_context("public"), django_capture_on_commit_callbacks(execute=True), tenant_context(tenant):
        on_commit_in_tenant(lambda: seen.append(connection.schema_name))
        # The transaction commits here, after the tenant's context has ended.
    assert seen == [tenant.schema_name]


def test_it_recomputes_the_segment_after_a_payment_committed_outside_the_tenant(
    tenant, actor, django_capture_on_commit_callbacks
):
    debtor = make_debtor(actor, "C-SEG", "Segment Test")
    debt = make_debt(actor, debtor, "INV-SEG", 50_00, days_past_due=10)
    with schema_context("public"), django_capture_on_commit_callbacks(execute=True), tenant_context(tenant):
        debt_payment_record(debt=debt, amount_minor=10_00, received_on=dt.date.today(), method="cheque", actor=actor)
    assert Debtor.objects.get(pk=debtor.pk).segment_computed_at is not None
