"""Debtor segments (principle 6): explicit rules over customer tenure and payment history, shown to managers and
targeted by policies. Recomputed set-based in one SQL statement whenever the history changes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import connection
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from apps.core.dates import tenant_today
from apps.debtors.models import Debtor

NEW_CUSTOMER_MONTHS = 6
LATE_DEBTS_REPEATEDLY = 2
AVERAGE_DAYS_LATE_REPEATEDLY = 15
AT_RISK_DAYS_PAST_DUE = 60
BROKEN_PROMISE_LOOKBACK_DAYS = 365


@dataclass(frozen=True)
class SegmentRule:
    key: str
    label: Promise
    description: Promise


# First match wins, in this order. The descriptions are what managers read next to a policy's segments.
RULES: list[SegmentRule] = [
    SegmentRule(
        "at_risk",
        _("At risk"),
        _(
            "Broke a promise to pay or missed an instalment in the last 12 months, or has a debt more than 60 days "
            "past due after paying late before."
        ),
    ),
    SegmentRule(
        "repeatedly_late",
        _("Repeatedly late"),
        _("Paid at least two debts after their due date, or pays more than 15 days late on average."),
    ),
    SegmentRule(
        "new",
        _("New customer"),
        _("Customer for less than 6 months (or since an unknown date) with no paid debt yet."),
    ),
    SegmentRule(
        "on_time",
        _("Usually on time"),
        _("Everyone else: at most one debt paid late, and no more than 15 days late on average."),
    ),
]
SEGMENTS = [rule.key for rule in RULES]

# The history per debtor: paid debts (payment date = the last payment's date) against their due dates, open debts
# past due, and recent schedule breaks (broken promises, missed instalments).
_COMPUTED = """
WITH target AS (
    SELECT id, customer_since FROM {debtor} WHERE %(all)s OR id = ANY(%(ids)s::uuid[])
),
paid AS (
    SELECT d.debtor_id, d.due_date, max(e.occurred_on) AS paid_on
    FROM {debt} d JOIN {entry} e ON e.debt_id = d.id AND e.kind = 'payment'
    WHERE d.status IN ('paid', 'settled') AND d.debtor_id IN (SELECT id FROM target)
    GROUP BY d.id, d.debtor_id, d.due_date
),
history AS (
    SELECT debtor_id,
           count(*) AS paid_count,
           count(*) FILTER (WHERE paid_on > due_date) AS late_count,
           avg(GREATEST(paid_on - due_date, 0)) AS avg_days_late
    FROM paid GROUP BY debtor_id
),
overdue AS (
    SELECT debtor_id FROM {debt}
    WHERE status = ANY(%(active)s) AND due_date < %(overdue_before)s AND debtor_id IN (SELECT id FROM target)
    GROUP BY debtor_id
),
broken AS (
    SELECT d.debtor_id FROM {brk} b JOIN {debt} d ON d.id = b.debt_id
    WHERE b.broken_on >= %(broken_since)s AND d.debtor_id IN (SELECT id FROM target)
    GROUP BY d.debtor_id
),
computed AS (
    SELECT t.id,
        CASE
            WHEN b.debtor_id IS NOT NULL OR (o.debtor_id IS NOT NULL AND coalesce(h.late_count, 0) > 0)
                THEN 'at_risk'
            WHEN coalesce(h.late_count, 0) >= %(late_debts)s OR coalesce(h.avg_days_late, 0) > %(avg_late)s
                THEN 'repeatedly_late'
            WHEN coalesce(h.paid_count, 0) = 0 AND (t.customer_since IS NULL OR t.customer_since > %(new_since)s)
                THEN 'new'
            ELSE 'on_time'
        END AS segment
    FROM target t
    LEFT JOIN history h ON h.debtor_id = t.id
    LEFT JOIN overdue o ON o.debtor_id = t.id
    LEFT JOIN broken b ON b.debtor_id = t.id
)
"""

_SELECT = "".join((_COMPUTED, "SELECT id, segment FROM computed"))
_UPDATE = "".join(
    (
        _COMPUTED,
        """,
updated AS (
    UPDATE {debtor} d SET segment = c.segment, segment_computed_at = %(now)s
    FROM computed c JOIN {debtor} old ON old.id = c.id
    WHERE d.id = c.id
    RETURNING old.segment IS DISTINCT FROM c.segment AS changed
)
SELECT count(*) FILTER (WHERE changed) FROM updated
""",
    )
)


def _months_before(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def _sql_and_params(template: str, debtor_ids: Iterable[Any] | None) -> tuple[str, dict[str, Any]]:
    from apps.debts.models import ACTIVE_STATUSES, Debt, LedgerEntry

    today = tenant_today()
    sql = template.format(
        debtor=Debtor._meta.db_table,
        debt=Debt._meta.db_table,
        entry=LedgerEntry._meta.db_table,
        brk=apps.get_model("engine", "ScheduleBreak")._meta.db_table,
    )
    ids = None if debtor_ids is None else [str(i) for i in debtor_ids]
    params = {
        "all": ids is None,
        "ids": ids or [],
        "active": [str(s) for s in ACTIVE_STATUSES],
        "overdue_before": today - dt.timedelta(days=AT_RISK_DAYS_PAST_DUE),
        "broken_since": today - dt.timedelta(days=BROKEN_PROMISE_LOOKBACK_DAYS),
        "late_debts": LATE_DEBTS_REPEATEDLY,
        "avg_late": AVERAGE_DAYS_LATE_REPEATEDLY,
        "new_since": _months_before(today, NEW_CUSTOMER_MONTHS),
    }
    return sql, params


def segments_compute(debtor_ids: Iterable[Any]) -> dict[Any, str]:
    """The segment each debtor would get now, without saving it."""
    sql, params = _sql_and_params(_SELECT, list(debtor_ids))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())


def segment_for(debtor: Debtor) -> str:
    return segments_compute([debtor.pk])[debtor.pk]


def segments_recompute(debtor_ids: Iterable[Any] | None = None) -> int:
    """Recompute and store the segment of the given debtors (all debtors when None) in one statement; returns how
    many debtors changed segment."""
    sql, params = _sql_and_params(_UPDATE, debtor_ids)
    params["now"] = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return int(row[0]) if row else 0
