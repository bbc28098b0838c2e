"""Segments are recomputed for every tenant by a scheduled task, so they move as days pass."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection

from apps.debtors.models import Debtor
from apps.debtors.services import debtor_create
from apps.debtors.tasks import segments_recompute_all_tenants
from apps.debts.services import debt_create

pytestmark = pytest.mark.django_db


def test_it_recomputes_segments_in_every_tenant(tenant, actor, django_capture_on_commit_callbacks):
    debtor = debtor_create(external_ref="SEG-1", name="Nina Nowak", actor=actor)
    with time_machine.travel(dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)):
        debt_create(
            debtor=debtor,
            external_ref="SEG-INV-1",
            amount_minor=90_00,
            currency="EUR",
            issue_date=dt.date(2026, 10, 1),
            due_date=dt.date(2026, 11, 1),
            actor=actor,
        )
        segments_recompute_all_tenants()
    connection.set_tenant(tenant)
    debtor = Debtor.objects.get(pk=debtor.pk)
    assert debtor.segment != ""
    assert debtor.segment_computed_at is not None
