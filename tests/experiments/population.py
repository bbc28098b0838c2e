"""Large populations for the experiment tests, written set-based in SQL (thousands of debtors in milliseconds).

Ids are md5-derived from a prefix, and outcomes from the debtor id, so every run of a test sees the same data."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import connection

from apps.experiments.models import Arm, ArmKind, Experiment, ExperimentStatus
from apps.policies.models import PolicyVersion

POPULATION_SQL = """
INSERT INTO debtors_debtor (id, external_ref, kind, name, preferred_language, timezone, lifetime_revenue_currency,
                            notes, created_at, updated_at, attorney_details, segment)
SELECT md5(%(prefix)s || g)::uuid, %(prefix)s || g, 'person', 'Debtor ' || g, '', '', '', '', now(), now(), '', ''
FROM generate_series(1, %(count)s) g;

INSERT INTO debts_debt (id, external_ref, description, original_amount_minor, currency, issue_date, due_date, status,
                        created_at, updated_at, debtor_id, schedule_shift_days)
SELECT md5(%(prefix)s || 'debt' || g)::uuid, %(prefix)s || 'INV-' || g, '', %(amount)s, 'EUR',
       %(due)s::date - 30, %(due)s::date, 'overdue', now(), now(), md5(%(prefix)s || g)::uuid, 0
FROM generate_series(1, %(count)s) g;

INSERT INTO debts_ledgerentry (kind, amount_minor, currency, occurred_on, description, legal_basis, method, reference,
                               created_at, created_by_label, debt_id)
SELECT 'charge', %(amount)s, 'EUR', %(due)s::date - 30, '', '', '', '', now(), 'test',
       md5(%(prefix)s || 'debt' || g)::uuid
FROM generate_series(1, %(count)s) g;
"""

# Debtors of an arm pay in full with probability `rate` (a uniform draw from their id), on a day 0–59 after their
# assignment: a payment entry for what they owed and the debt marked paid that day.
PAY_SQL = """
WITH chosen AS (
    SELECT ad.debt_id, ad.owed_minor, ad.currency,
           a.assigned_on
           + (('x' || substr(md5('day' || a.debtor_id::text), 1, 8))::bit(32)::bigint %% 60)::int AS paid_on
    FROM experiments_armassignment a
    JOIN experiments_assigneddebt ad ON ad.assignment_id = a.id
    WHERE a.arm_id = %(arm)s
      AND ('x' || substr(md5('pay' || a.debtor_id::text), 1, 8))::bit(32)::bigint < %(rate)s * 4294967296
),
entries AS (
    INSERT INTO debts_ledgerentry (kind, amount_minor, currency, occurred_on, description, legal_basis, method,
                                   reference, created_at, created_by_label, debt_id)
    SELECT 'payment', -owed_minor, currency, paid_on, '', '', 'transfer', '', now(), 'test', debt_id FROM chosen
)
UPDATE debts_debt d SET status = 'paid', status_changed_at = (c.paid_on + time '12:00') AT TIME ZONE 'UTC'
FROM chosen c WHERE d.id = c.debt_id
"""


def population_insert(*, prefix: str, count: int, due: dt.date, amount_minor: int = 100_00) -> None:
    with connection.cursor() as cursor:
        cursor.execute(POPULATION_SQL, {"prefix": prefix, "count": count, "due": due, "amount": amount_minor})


def payments_simulate(*, arm: Arm, rate: float) -> None:
    with connection.cursor() as cursor:
        cursor.execute(PAY_SQL, {"arm": arm.pk, "rate": rate})


def experiment_make(
    *, experiment_id: str, versions: list[PolicyVersion], weights: list[int], holdout_weight: int = 0
) -> Experiment:
    """A running experiment with a fixed id (so the assignment is the same in every test run), arms A, B, ..."""
    experiment = Experiment.objects.create(
        id=uuid.UUID(experiment_id),
        policy_id=versions[0].policy_id,
        name="Simulated",
        status=ExperimentStatus.RUNNING,
        created_by_label="test",
    )
    for position, (version, weight) in enumerate(zip(versions, weights, strict=True), start=1):
        Arm.objects.create(
            experiment=experiment, position=position, letter="ABCDEFGH"[position - 1], version=version, weight=weight
        )
    if holdout_weight:
        Arm.objects.create(
            experiment=experiment, position=len(versions) + 1, kind=ArmKind.HOLDOUT, weight=holdout_weight
        )
    return experiment
