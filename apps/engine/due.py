"""Which policy step is due for which debtor on a day: one set-based query, shared by the daily run and the preview.

A debt takes part when it is open or overdue (paused and closed statuses take no part) with a positive ledger
balance. Its days past due are counted from its due date plus the days its schedule was paused (E5). The debtor's
policy is the first by priority whose segments include the debtor's segment (or that lists none) and has a live
version. Per debt, the due scheduled step is the highest one whose offset is reached, whose conditions hold and
which lies beyond the last step already acted on for that debt; a debt whose promise or plan broke also owes the
reaction steps of its latest break. Per debtor, one message: the highest step (stage rank, then reaction steps,
then offset), covering every debt with a due step.

While an experiment runs on the debtor's policy (R6, apps.experiments), the debtor's arm stands in for the live
version: the arm recorded for them, else the arm their hash falls into (apps.experiments.assignment). A variant arm
brings its own version; the holdout brings none, so no step is due. The daily run records first-time arms (and the
debts they owed) in the same statement; the preview only reads them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from apps.experiments.assignment import RUNNING_ARMS_SQL, hash_point_sql
from apps.policies.models import STAGE_RANK, Channel

# The kind of contact point each channel writes to.
CONTACT_KIND = {Channel.EMAIL: "email", Channel.SMS: "phone", Channel.LETTER: "address", Channel.PHONE: "phone"}


@dataclass(frozen=True)
class DoneStep:
    """One debt's own due step, remembered once the run has acted on it."""

    debt_id: uuid.UUID
    step_id: int
    kind: str
    offset_days: int
    schedule_break_id: int | None


@dataclass(frozen=True)
class DueMessage:
    debtor_id: uuid.UUID
    policy_id: int
    # The experiment arm whose version this is, when the debtor is in a running experiment.
    arm_id: int | None
    version_id: int
    step_id: int
    kind: str
    offset_days: int
    stage: str
    channel: str
    template_key: str
    debt_ids: tuple[uuid.UUID, ...]
    done: tuple[DoneStep, ...]
    contact_point_id: uuid.UUID | None


@dataclass(frozen=True)
class DueSteps:
    debts_considered: int
    messages: list[DueMessage]


def _stage_rank_sql(column: str) -> str:
    whens = " ".join(f"WHEN '{stage.value}' THEN {rank}" for stage, rank in STAGE_RANK.items())
    return f"CASE {column} {whens} ELSE 0 END"


def _contact_kind_sql(column: str) -> str:
    whens = " ".join(f"WHEN '{channel.value}' THEN '{kind}'" for channel, kind in CONTACT_KIND.items())
    return f"CASE {column} {whens} END"


def _conditions_sql(step: str) -> str:
    return f"""
        (cardinality({step}.segments) = 0 OR b.segment = ANY({step}.segments))
        AND ({step}.min_balance_minor IS NULL OR b.balance >= {step}.min_balance_minor)
        AND ({step}.min_debt_age_days IS NULL OR b.dpd >= {step}.min_debt_age_days)
        AND ({step}.max_debt_age_days IS NULL OR b.dpd <= {step}.max_debt_age_days)
    """


DONE_TABLE = "engine_stepdone"
# The preview adds the steps its simulated days acted on (parameters, so no temporary table outlives it).
DONE_WITH_SIMULATED = """(
    SELECT debt_id, kind, offset_days, schedule_break_id FROM engine_stepdone
    UNION ALL
    SELECT * FROM unnest(%(sim_debt)s::uuid[], %(sim_kind)s::text[], %(sim_offset)s::int[], %(sim_break)s::bigint[])
        AS sim(debt_id, kind, offset_days, schedule_break_id)
)"""

# Without a running experiment in the tenant the query keeps its plain shape: planning the experiment joins (and the
# inserts) costs a few milliseconds per run, which is most of a small tenant's run.
PLAIN_VERSION_SQL = """
debtor_version AS (
    SELECT dp.debtor_id, dp.policy_id, NULL::bigint AS arm_id, dp.version_id FROM debtor_policy dp
),"""

EXPERIMENT_VERSION_SQL = """
arms AS MATERIALIZED ({running_arms}),
debtor_version AS (
    -- Per debtor: index lookups and the few running arms. No running experiment on the policy: its live version.
    SELECT dp.debtor_id, dp.policy_id, arm.arm_id, e.id AS experiment_id,
           e.id IS NOT NULL AND asg.id IS NULL AS is_new,
           CASE WHEN e.id IS NULL THEN dp.version_id ELSE arm.version_id END AS version_id
    FROM debtor_policy dp
    LEFT JOIN experiments_experiment e ON e.policy_id = dp.policy_id AND e.status = 'running'
    LEFT JOIN experiments_armassignment asg ON asg.experiment_id = e.id AND asg.debtor_id = dp.debtor_id
    LEFT JOIN LATERAL (
        SELECT a.arm_id, a.version_id FROM arms a
        WHERE a.experiment_id = e.id
          AND CASE WHEN asg.arm_id IS NOT NULL THEN a.arm_id = asg.arm_id
                   ELSE ({hash_point} * a.total) >> 32 >= a.lo AND ({hash_point} * a.total) >> 32 < a.hi END
    ) arm ON true
),"""

RUNNING_SQL = "SELECT EXISTS (SELECT 1 FROM experiments_experiment WHERE status = 'running')"


# The daily run records the arms it picked for the first time, and the debts in collection they owed then. These
# data-modifying CTEs read the same snapshot as the rest of the query, so the arm recorded is the arm used.
ASSIGN_SQL = """
assigned AS (
    INSERT INTO experiments_armassignment (experiment_id, arm_id, debtor_id, assigned_at, assigned_on)
    SELECT dv.experiment_id, dv.arm_id, dv.debtor_id, %(assign_at)s, %(today)s
    FROM debtor_version dv WHERE dv.is_new AND dv.arm_id IS NOT NULL
    ON CONFLICT (experiment_id, debtor_id) DO NOTHING
    RETURNING id, debtor_id
),
assigned_debts AS (
    INSERT INTO experiments_assigneddebt (assignment_id, debt_id, owed_minor, currency)
    SELECT asg.id, b.debt_id, b.balance, d.currency
    FROM assigned asg JOIN bal b ON b.debtor_id = asg.debtor_id JOIN debts_debt d ON d.id = b.debt_id
),"""

DUE_SQL = """
WITH versions AS (
    SELECT pv.policy_id, pv.id AS version_id
    FROM policies_policyversion pv
    WHERE pv.status = 'published' AND pv.policy_id <> %(override_policy)s
    UNION ALL
    SELECT %(override_policy)s, %(override_version)s::bigint WHERE %(override_version)s::bigint IS NOT NULL
),
debts AS (
    SELECT d.id AS debt_id, d.debtor_id,
           %(today)s::date - (d.due_date + d.schedule_shift_days) AS dpd,
           (SELECT COALESCE(SUM(e.amount_minor), 0) FROM debts_ledgerentry e WHERE e.debt_id = d.id) AS balance
    FROM debts_debt d
    WHERE d.status IN ('open', 'overdue')
),
bal AS (
    SELECT debts.*, dr.segment
    FROM debts JOIN debtors_debtor dr ON dr.id = debts.debtor_id
    WHERE debts.balance > 0
),
debtor_policy AS (
    SELECT DISTINCT ON (dr.debtor_id) dr.debtor_id, p.id AS policy_id, v.version_id
    FROM (SELECT DISTINCT debtor_id, segment FROM bal) dr
    JOIN policies_policy p ON cardinality(p.segments) = 0 OR dr.segment = ANY(p.segments)
    JOIN versions v ON v.policy_id = p.id
    ORDER BY dr.debtor_id, p.priority, p.name
),
{debtor_version}
reached AS (
    SELECT x.debt_id, MAX(x.offset_days) AS offset_days
    FROM {done} x JOIN bal ON bal.debt_id = x.debt_id
    WHERE x.kind = 'schedule' AND x.schedule_break_id IS NULL
    GROUP BY x.debt_id
),
scheduled AS (
    SELECT DISTINCT ON (b.debt_id)
           b.debt_id, b.debtor_id, dp.policy_id, dp.arm_id, dp.version_id, s.id AS step_id, s.kind, s.offset_days,
           s.stage, s.channel, s.template_key, NULL::bigint AS break_id
    FROM bal b
    JOIN debtor_version dp ON dp.debtor_id = b.debtor_id
    JOIN policies_step s ON s.version_id = dp.version_id AND s.kind = 'schedule'
    LEFT JOIN reached r ON r.debt_id = b.debt_id
    WHERE s.offset_days <= b.dpd AND (r.offset_days IS NULL OR s.offset_days > r.offset_days) AND {step_conditions}
    ORDER BY b.debt_id, s.offset_days DESC, s.position DESC
),
reactions AS (
    SELECT DISTINCT ON (b.debt_id)
           b.debt_id, b.debtor_id, dp.policy_id, dp.arm_id, dp.version_id, s.id AS step_id, s.kind, s.offset_days,
           s.stage, s.channel, s.template_key, sb.id AS break_id
    FROM bal b
    JOIN debtor_version dp ON dp.debtor_id = b.debtor_id
    JOIN (
        SELECT DISTINCT ON (x.debt_id) x.debt_id, x.id, x.kind, x.broken_on FROM engine_schedulebreak x
        ORDER BY x.debt_id, x.broken_on DESC, x.id DESC
    ) sb ON sb.debt_id = b.debt_id
    JOIN policies_step s ON s.version_id = dp.version_id AND s.kind = sb.kind
    WHERE s.offset_days <= %(today)s::date - sb.broken_on
      AND NOT EXISTS (
          SELECT 1 FROM {done} x
          WHERE x.debt_id = b.debt_id AND x.schedule_break_id = sb.id AND x.offset_days >= s.offset_days
      )
      AND {step_conditions}
    ORDER BY b.debt_id, s.offset_days DESC, s.position DESC
),
candidates AS (
    SELECT * FROM scheduled UNION ALL SELECT * FROM reactions
),
top AS (
    SELECT DISTINCT ON (c.debtor_id) c.*
    FROM candidates c
    ORDER BY c.debtor_id, {stage_rank} DESC, (c.kind <> 'schedule') DESC, c.offset_days DESC, c.debt_id
),
per_debtor AS (
    SELECT c.debtor_id,
           array_agg(DISTINCT c.debt_id) AS covered,
           array_agg(c.debt_id ORDER BY c.debt_id) AS debt_ids,
           array_agg(c.step_id ORDER BY c.debt_id) AS step_ids,
           array_agg(c.kind ORDER BY c.debt_id) AS kinds,
           array_agg(c.offset_days ORDER BY c.debt_id) AS offsets,
           array_agg(c.break_id ORDER BY c.debt_id) AS break_ids
    FROM candidates c
    GROUP BY c.debtor_id
),
contact AS (
    SELECT DISTINCT ON (cp.debtor_id, cp.kind) cp.debtor_id, cp.kind, cp.id
    FROM debtors_contactpoint cp
    WHERE cp.debtor_id IN (SELECT debtor_id FROM top)
      AND cp.opted_out_at IS NULL AND cp.validity <> 'invalid' AND cp.consent <> 'revoked'
    ORDER BY cp.debtor_id, cp.kind, cp.is_primary DESC, cp.created_at, cp.id
)
SELECT n.considered, t.debtor_id, t.policy_id, t.arm_id, t.version_id, t.step_id, t.kind, t.offset_days, t.stage,
       t.channel, t.template_key, pd.covered, pd.debt_ids, pd.step_ids, pd.kinds, pd.offsets, pd.break_ids, ct.id
FROM (SELECT count(*) AS considered FROM bal) n
LEFT JOIN top t ON true
LEFT JOIN per_debtor pd ON pd.debtor_id = t.debtor_id
LEFT JOIN contact ct ON ct.debtor_id = t.debtor_id AND ct.kind = {contact_kind}
ORDER BY t.debtor_id
"""


def due_steps(
    *,
    today: dt.date,
    override_version: tuple[int, int] | None = None,
    simulated: Sequence[DoneStep] | None = None,
    assign_at: dt.datetime | None = None,
) -> DueSteps:
    """The messages due on `today`. `override_version` (policy id, version id) stands in for that policy's live
    version (the preview of a draft); `simulated` are steps taken as acted on besides the recorded ones (the
    preview's earlier days). With `assign_at` (the daily run), debtors seen for the first time by a running
    experiment are recorded in their arm, at that time."""

    def query(experiments: bool) -> str:
        if experiments:
            debtor_version = EXPERIMENT_VERSION_SQL.format(
                running_arms=RUNNING_ARMS_SQL, hash_point=hash_point_sql("e.id", "dp.debtor_id")
            ) + (ASSIGN_SQL if assign_at is not None else "")
        else:
            debtor_version = PLAIN_VERSION_SQL
        return DUE_SQL.format(
            done=DONE_TABLE if simulated is None else DONE_WITH_SIMULATED,
            step_conditions=_conditions_sql("s"),
            stage_rank=_stage_rank_sql("c.stage"),
            contact_kind=_contact_kind_sql("t.channel"),
            debtor_version=debtor_version,
        )

    override_policy_id, override_version_id = override_version or (0, None)
    params: dict[str, Any] = {
        "today": today,
        "override_policy": override_policy_id,
        "override_version": override_version_id,
        "assign_at": assign_at,
    }
    if simulated is not None:
        params["sim_debt"] = [d.debt_id for d in simulated]
        params["sim_kind"] = [d.kind for d in simulated]
        params["sim_offset"] = [d.offset_days for d in simulated]
        params["sim_break"] = [d.schedule_break_id for d in simulated]
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        # Compiling this query costs more than running it on a tenant's rows.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(RUNNING_SQL)
        row = cursor.fetchone()
        cursor.execute(query(bool(row and row[0])), params)
        rows = cursor.fetchall()
    considered = rows[0][0] if rows else 0
    messages = [
        DueMessage(
            debtor_id=debtor_id,
            policy_id=policy_id,
            arm_id=arm_id,
            version_id=version_id,
            step_id=step_id,
            kind=kind,
            offset_days=offset,
            stage=stage,
            channel=channel,
            template_key=template_key,
            debt_ids=tuple(covered),
            done=tuple(
                DoneStep(debt_id=d, step_id=s, kind=k, offset_days=o, schedule_break_id=b)
                for d, s, k, o, b in zip(debt_ids, step_ids, kinds, offsets, break_ids, strict=True)
            ),
            contact_point_id=contact_point_id,
        )
        for (
            _,
            debtor_id,
            policy_id,
            arm_id,
            version_id,
            step_id,
            kind,
            offset,
            stage,
            channel,
            template_key,
            covered,
            debt_ids,
            step_ids,
            kinds,
            offsets,
            break_ids,
            contact_point_id,
        ) in rows
        if debtor_id is not None
    ]
    return DueSteps(debts_considered=considered, messages=messages)
