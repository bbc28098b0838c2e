"""R6/A2: an experiment's results per arm, with confidence intervals and significance against the control arms.

Definitions (the page repeats them in plain words):
- Window: from each debtor's assignment to the end of the observation, today or the day the experiment stopped.
- Recovered debtor: every debt the debtor had in collection when assigned is paid in full or settled within the
  window (the day its status became paid or settled). Share with a Wilson 95% interval.
- Amount recovered: payments less refunds and chargebacks on those debts within the window, over what they owed at
  assignment, per currency (never mixed); 95% interval of this ratio by the delta method over debtors.
- Time to pay: days from assignment to the day the last of those debts was paid or settled; debtors not (yet)
  recovered are censored at the window's end. Kaplan–Meier median with its Brookmeyer–Crowley 95% interval
  (statsmodels); when fewer than half have paid, the median is "not reached" and the day a quarter had paid is shown.
- Opted out: a channel opt-out or a request to stop all contact recorded within the window.
- Per step (A2): of the debts a step of the arm's version sent a message for (queued or deferred, not refused), the
  share that received a payment within N days after the run, counting only runs at least N days before the window's
  end; likewise opt-outs.

Significance: each variant against the first variant (the control), and each variant against the holdout when there
is one. Proportions by the pooled two-proportion z-test, differences with a Newcomb 95% interval; time to pay by the
log-rank test. p-values are Holm-adjusted within each table's family of comparisons; "significant" is adjusted
p < 0.05. The sample a non-significant recovery difference would need is the two-sided 5%, 80%-power normal
approximation for the observed rates.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import warnings
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np
from babel.numbers import format_decimal
from django.db import connection
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from scipy.stats import norm
from statsmodels.duration.survfunc import SurvfuncRight, survdiff
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
    proportion_effectsize,
    proportions_ztest,
)

from apps.contact.models import ChannelOptOut
from apps.core.dates import tenant_today
from apps.core.tenancy import current_tenant
from apps.experiments.models import Arm, Experiment, ExperimentStatus
from apps.policies.models import Step

ALPHA = 0.05
POWER = 0.8
DEFAULT_DAYS = 14
MAX_DAYS = 180


@dataclasses.dataclass(frozen=True)
class Interval:
    low: float
    high: float | None  # None: not reached (an open upper end)


@dataclasses.dataclass(frozen=True)
class Share:
    count: int
    total: int
    rate: float | None
    interval: Interval | None

    @classmethod
    def of(cls, count: int, total: int) -> Share:
        if total <= 0:
            return cls(count, total, None, None)
        low, high = proportion_confint(count, total, alpha=ALPHA, method="wilson")
        return cls(count, total, count / total, Interval(float(low), float(high)))


@dataclasses.dataclass(frozen=True)
class Money:
    currency: str
    owed_minor: int
    recovered_minor: int
    ratio: float | None
    interval: Interval | None


@dataclasses.dataclass(frozen=True)
class TimeToPay:
    median_days: float | None
    median_interval: Interval | None
    quarter_days: float | None  # the day a quarter of the arm had paid (Kaplan–Meier)


@dataclasses.dataclass
class ArmFigures:
    arm: Arm
    debtors: int
    recovered: Share
    debts: Share  # debts paid in full or settled, of the debts in collection at assignment
    money: list[Money]
    time_to_pay: TimeToPay
    opted_out: Share
    # Per debtor: days observed and whether recovered (for the log-rank test).
    durations: np.ndarray = dataclasses.field(repr=False)
    events: np.ndarray = dataclasses.field(repr=False)


@dataclasses.dataclass(frozen=True)
class Comparison:
    metric: str  # "recovery", "time_to_pay", "opt_out"
    arm: Arm
    baseline: Arm
    difference: float | None  # share difference (arm − baseline), for proportions
    interval: Interval | None
    p_value: float
    p_adjusted: float
    significant: bool
    more_debtors_needed: int | None
    sentence: str


@dataclasses.dataclass
class StepRow:
    arm: Arm
    step: Step
    paid: Share
    opted_out: Share
    comparison: Comparison | None = None


@dataclasses.dataclass
class ExperimentReport:
    experiment: Experiment
    window_end: dt.date
    days: int
    arms: list[ArmFigures]
    comparisons: list[Comparison]
    steps: list[StepRow]

    def comparisons_for(self, metric: str) -> list[Comparison]:
        return [c for c in self.comparisons if c.metric == metric]

    @property
    def recovery_comparisons(self) -> list[Comparison]:
        return self.comparisons_for("recovery")

    @property
    def time_comparisons(self) -> list[Comparison]:
        return self.comparisons_for("time_to_pay")

    @property
    def opt_out_comparisons(self) -> list[Comparison]:
        return self.comparisons_for("opt_out")


# SQL ---------------------------------------------------------------------------------------------------------------

ASSIGNED_SQL = """
WITH asg AS (
    SELECT a.id, a.arm_id, a.debtor_id, a.assigned_at, a.assigned_on
    FROM experiments_armassignment a
    WHERE a.experiment_id = %(experiment)s AND a.assigned_on <= %(end)s
),
per_debt AS (
    SELECT ad.assignment_id,
           CASE WHEN d.status IN ('paid', 'settled')
                 AND (d.status_changed_at AT TIME ZONE %(tz)s)::date BETWEEN asg.assigned_on AND %(end)s
                THEN (d.status_changed_at AT TIME ZONE %(tz)s)::date END AS resolved_on
    FROM experiments_assigneddebt ad
    JOIN asg ON asg.id = ad.assignment_id
    JOIN debts_debt d ON d.id = ad.debt_id
)
SELECT asg.arm_id, asg.assigned_on, count(*) AS debts, count(pd.resolved_on) AS resolved,
       CASE WHEN count(pd.resolved_on) = count(*) THEN max(pd.resolved_on) END AS paid_on,
       EXISTS (
           SELECT 1 FROM {opt_outs} o
           WHERE o.debtor_id = asg.debtor_id AND o.created_at >= asg.assigned_at
             AND (o.created_at AT TIME ZONE %(tz)s)::date <= %(end)s
       ) OR (
           dr.cease_requested_at >= asg.assigned_at AND (dr.cease_requested_at AT TIME ZONE %(tz)s)::date <= %(end)s
       ) AS opted_out
FROM asg
JOIN per_debt pd ON pd.assignment_id = asg.id
JOIN debtors_debtor dr ON dr.id = asg.debtor_id
GROUP BY asg.arm_id, asg.id, asg.debtor_id, asg.assigned_at, asg.assigned_on, dr.cease_requested_at
ORDER BY asg.id
"""

MONEY_SQL = """
SELECT a.arm_id, a.id, ad.currency, SUM(ad.owed_minor) AS owed,
       COALESCE(SUM((
           SELECT -SUM(e.amount_minor) FROM debts_ledgerentry e
           WHERE e.debt_id = ad.debt_id AND e.kind IN ('payment', 'refund', 'chargeback')
             AND e.occurred_on BETWEEN a.assigned_on AND %(end)s
       )), 0) AS recovered
FROM experiments_armassignment a
JOIN experiments_assigneddebt ad ON ad.assignment_id = a.id
WHERE a.experiment_id = %(experiment)s AND a.assigned_on <= %(end)s
GROUP BY a.arm_id, a.id, ad.currency
ORDER BY a.id, ad.currency
"""

STEPS_SQL = """
SELECT a.arm_id, sd.step_id, count(*) AS sent,
       count(*) FILTER (WHERE EXISTS (
           SELECT 1 FROM debts_ledgerentry e
           WHERE e.debt_id = sd.debt_id AND e.kind = 'payment'
             AND e.occurred_on BETWEEN r.run_date AND r.run_date + %(days)s
       )) AS paid,
       count(*) FILTER (WHERE EXISTS (
           SELECT 1 FROM {opt_outs} o
           WHERE o.debtor_id = a.debtor_id
             AND (o.created_at AT TIME ZONE %(tz)s)::date BETWEEN r.run_date AND r.run_date + %(days)s
       )) AS opted_out
FROM experiments_armassignment a
JOIN experiments_arm arm ON arm.id = a.arm_id
JOIN experiments_assigneddebt ad ON ad.assignment_id = a.id
JOIN engine_stepdone sd ON sd.debt_id = ad.debt_id AND sd.outcome IN ('queued', 'deferred')
JOIN engine_collectionrun r ON r.id = sd.run_id
JOIN policies_step s ON s.id = sd.step_id AND s.version_id = arm.version_id
WHERE a.experiment_id = %(experiment)s
  AND r.run_date >= a.assigned_on AND r.run_date + %(days)s <= %(end)s
GROUP BY a.arm_id, sd.step_id
"""


def _fetch(sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql.format(opt_outs=ChannelOptOut._meta.db_table), params)
        return cursor.fetchall()


def window_end(experiment: Experiment) -> dt.date:
    if experiment.status == ExperimentStatus.STOPPED and experiment.stopped_at is not None:
        return tenant_today(experiment.stopped_at)
    return tenant_today(timezone.now())


# Statistics --------------------------------------------------------------------------------------------------------


def _ratio(owed: np.ndarray, recovered: np.ndarray) -> tuple[float | None, Interval | None]:
    """Recovered over owed with a delta-method (ratio estimator) 95% interval over debtors."""
    n, total_owed = len(owed), float(owed.sum())
    if n == 0 or total_owed <= 0:
        return None, None
    ratio = float(recovered.sum()) / total_owed
    if n < 2:
        return ratio, None
    residuals = recovered - ratio * owed
    se = math.sqrt(float((residuals**2).sum()) / (n * (n - 1))) / (total_owed / n)
    z = float(norm.ppf(1 - ALPHA / 2))
    return ratio, Interval(max(ratio - z * se, 0.0), ratio + z * se)


def _survival(durations: np.ndarray, events: np.ndarray) -> SurvfuncRight | None:
    if len(durations) == 0:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return SurvfuncRight(durations, events)


def _number(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def _time_to_pay(durations: np.ndarray, events: np.ndarray) -> TimeToPay:
    fit = _survival(durations, events)
    if fit is None or not events.any():
        return TimeToPay(None, None, None)
    median = _number(fit.quantile(0.5))
    interval = None
    if median is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            low, high = fit.quantile_ci(0.5, alpha=ALPHA)
        low_value = _number(low)
        interval = Interval(low_value if low_value is not None else 0.0, _number(high))
    return TimeToPay(median, interval, _number(fit.quantile(0.25)))


def _paid_share_at(durations: np.ndarray, events: np.ndarray, day: float) -> float:
    """Kaplan–Meier share paid by `day`."""
    fit = _survival(durations, events)
    if fit is None or not events.any():
        return 0.0
    reached = fit.surv_times <= day
    return float(1 - fit.surv_prob[reached][-1]) if reached.any() else 0.0


def _two_proportions(k1: int, n1: int, k0: int, n0: int) -> tuple[float, float, Interval]:
    """Difference (1 − 0), pooled z-test p-value, Newcomb interval."""
    difference = k1 / n1 - k0 / n0
    pooled = (k1 + k0) / (n1 + n0)
    if pooled in (0.0, 1.0):
        p_value = 1.0  # both arms all-or-nothing alike: no difference to measure
    else:
        _z, p = proportions_ztest([k1, k0], [n1, n0])
        p_value = float(p)
    low, high = confint_proportions_2indep(k1, n1, k0, n0, method="newcomb", compare="diff", alpha=ALPHA)
    return difference, p_value, Interval(float(low), float(high))


def _more_needed(p1: float, p0: float, n1: int, n0: int) -> int | None:
    """Roughly how many more debtors per arm the observed difference would need to be detected (80% power)."""
    if p1 == p0 or n1 <= 0 or n0 <= 0:
        return None
    effect = abs(float(proportion_effectsize(p1, p0)))  # Cohen's h
    if effect == 0:
        return None
    # Two equal arms, two-sided test: n per arm = 2 ((z_(1-α/2) + z_power) / h)^2 (as statsmodels' NormalIndPower
    # solves it, in closed form so that large effects on tiny arms do not trip its root finder).
    per_arm = 2 * ((float(norm.ppf(1 - ALPHA / 2)) + float(norm.ppf(POWER))) / effect) ** 2
    return max(math.ceil(per_arm) - min(n1, n0), 0)


def _holm(p_values: Sequence[float]) -> tuple[list[bool], list[float]]:
    if not p_values:
        return [], []
    reject, adjusted, _s, _b = multipletests(list(p_values), alpha=ALPHA, method="holm")
    return [bool(r) for r in reject], [float(p) for p in adjusted]


# Words -------------------------------------------------------------------------------------------------------------


def _fmt(value: float, digits: int = 1, sign: bool = False) -> str:
    text = format_decimal(
        round(value, digits), format=f"#,##0.{'0' * digits}", locale=(get_language() or "en").replace("-", "_")
    )
    return f"+{text}" if sign and value > 0 else text.replace("-", "−")


def _p(value: float) -> str:
    """ "= 0.081", or "< 0.001" for anything smaller (more digits would claim a precision the test lacks)."""
    return "< " + _fmt(0.001, 3) if value < 0.001 else "= " + _fmt(value, 3)


def _points(interval: Interval) -> str:
    high = interval.high if interval.high is not None else 0.0
    return _("%(low)s to %(high)s points") % {
        "low": _fmt(interval.low * 100, sign=True),
        "high": _fmt(high * 100, sign=True),
    }


def _proportion_sentence(metric: str, c: Comparison, more: int | None) -> str:
    assert c.difference is not None
    assert c.interval is not None
    names = {"arm": c.arm.label, "base": c.baseline.label}
    if metric == "recovery":
        verb = (
            _("%(arm)s recovers more than %(base)s") if c.difference > 0 else _("%(arm)s recovers less than %(base)s")
        )
    elif c.difference > 0:
        verb = _("%(arm)s has more opt-outs than %(base)s")
    else:
        verb = _("%(arm)s has fewer opt-outs than %(base)s")
    if c.difference == 0:
        verb = _("%(arm)s and %(base)s are level")
    facts = _("%(diff)s points, 95%% CI %(ci)s, adjusted p %(p)s") % {
        "diff": _fmt(c.difference * 100, sign=True),
        "ci": _points(c.interval),
        "p": _p(c.p_adjusted),
    }
    if c.significant:
        verdict = _("significant")
    elif more:
        verdict = _("not significant yet; a difference this size would need roughly %(n)s more debtors per arm") % {
            "n": _fmt(more, 0)
        }
    else:
        verdict = _("not significant")
    return f"{verb % names}: {facts}, {verdict}."


def _time_sentence(c: Comparison, faster: bool) -> str:
    names = {"arm": c.arm.label, "base": c.baseline.label}
    verb = _("%(arm)s pays faster than %(base)s") if faster else _("%(arm)s pays more slowly than %(base)s")
    facts = _("log-rank test, adjusted p %(p)s") % {"p": _p(c.p_adjusted)}
    verdict = _("significant") if c.significant else _("not significant")
    return f"{verb % names} ({facts}): {verdict}."


# The report --------------------------------------------------------------------------------------------------------


def _pairs(arms: list[ArmFigures]) -> list[tuple[ArmFigures, ArmFigures]]:
    """(arm, baseline): variants against the first variant, and variants against the holdout."""
    variants = [a for a in arms if not a.arm.is_holdout]
    holdout = next((a for a in arms if a.arm.is_holdout), None)
    pairs = [(a, variants[0]) for a in variants[1:]] if variants else []
    if holdout is not None:
        pairs += [(a, holdout) for a in variants]
    return pairs


def _proportion_comparisons(metric: str, pairs: list[tuple[ArmFigures, ArmFigures, Share, Share]]) -> list[Comparison]:
    # Both arms all-or-nothing alike (say, no opt-out anywhere): there is no difference to test or to describe.
    testable = [
        (a, b, s1, s0)
        for a, b, s1, s0 in pairs
        if s1.total > 0 and s0.total > 0 and 0 < s1.count + s0.count < s1.total + s0.total
    ]
    raw = [_two_proportions(s1.count, s1.total, s0.count, s0.total) for _a, _b, s1, s0 in testable]
    reject, adjusted = _holm([p for _d, p, _i in raw])
    found = []
    for (a, b, s1, s0), (difference, p_value, interval), significant, p_adj in zip(
        testable, raw, reject, adjusted, strict=True
    ):
        assert s1.rate is not None
        assert s0.rate is not None
        more = None if significant else _more_needed(s1.rate, s0.rate, s1.total, s0.total)
        comparison = Comparison(metric, a.arm, b.arm, difference, interval, p_value, p_adj, significant, more, "")
        found.append(dataclasses.replace(comparison, sentence=_proportion_sentence(metric, comparison, more)))
    return found


def _time_comparisons(pairs: list[tuple[ArmFigures, ArmFigures]]) -> list[Comparison]:
    testable = [(a, b) for a, b in pairs if a.debtors and b.debtors and (a.events.any() or b.events.any())]
    raw: list[tuple[float, bool]] = []
    for a, b in testable:
        time = np.concatenate([a.durations, b.durations])
        status = np.concatenate([a.events, b.events])
        group = np.concatenate([np.ones(a.debtors), np.zeros(b.debtors)])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            _chisq, p = survdiff(time, status, group)
        horizon = float(min(a.durations.max(), b.durations.max()))
        faster = _paid_share_at(a.durations, a.events, horizon) > _paid_share_at(b.durations, b.events, horizon)
        raw.append((float(p) if math.isfinite(p) else 1.0, faster))
    reject, adjusted = _holm([p for p, _f in raw])
    found = []
    for (a, b), (p_value, faster), significant, p_adj in zip(testable, raw, reject, adjusted, strict=True):
        comparison = Comparison("time_to_pay", a.arm, b.arm, None, None, p_value, p_adj, significant, None, "")
        found.append(dataclasses.replace(comparison, sentence=_time_sentence(comparison, faster)))
    return found


def _arm_figures(arm: Arm, rows: list[tuple[Any, ...]], money_rows: list[tuple[Any, ...]], end: dt.date) -> ArmFigures:
    debtors = len(rows)
    durations = np.array(
        [((paid_on or end) - assigned_on).days for assigned_on, _d, _r, paid_on, _o in rows], dtype=float
    )
    events = np.array([paid_on is not None for _a, _d, _r, paid_on, _o in rows], dtype=bool)
    by_currency: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for currency, owed, recovered in money_rows:
        by_currency[currency].append((int(owed), int(recovered)))
    money = []
    for currency, values in sorted(by_currency.items()):
        owed = np.array([o for o, _r in values], dtype=float)
        recovered = np.array([r for _o, r in values], dtype=float)
        ratio, interval = _ratio(owed, recovered)
        money.append(Money(currency, int(owed.sum()), int(recovered.sum()), ratio, interval))
    return ArmFigures(
        arm=arm,
        debtors=debtors,
        recovered=Share.of(int(events.sum()), debtors),
        debts=Share.of(sum(r for _a, _d, r, _p, _o in rows), sum(d for _a, d, _r, _p, _o in rows)),
        money=money,
        time_to_pay=_time_to_pay(durations, events),
        opted_out=Share.of(sum(1 for *_x, opted in rows if opted), debtors),
        durations=durations,
        events=events,
    )


def _step_rows(experiment: Experiment, arms: list[Arm], end: dt.date, days: int, tz: str) -> list[StepRow]:
    params = {"experiment": experiment.pk, "end": end, "days": days, "tz": tz}
    counts = {
        (arm_id, step_id): (sent, paid, opted) for arm_id, step_id, sent, paid, opted in _fetch(STEPS_SQL, params)
    }
    versions = {arm.version_id for arm in arms if arm.version_id}
    steps_by_version: dict[int, list[Step]] = defaultdict(list)
    for step in Step.objects.filter(version_id__in=versions).order_by("kind", "offset_days", "position"):
        steps_by_version[step.version_id].append(step)
    rows = []
    for arm in arms:
        if arm.version_id is None:
            continue
        for step in steps_by_version[arm.version_id]:
            sent, paid, opted = counts.get((arm.pk, step.pk), (0, 0, 0))
            rows.append(StepRow(arm, step, Share.of(paid, sent), Share.of(opted, sent)))
    # A variant's step against the control arm's step of the same kind and day, when the control has one.
    variants = [arm for arm in arms if not arm.is_holdout]
    if len(variants) > 1:
        control = {(r.step.kind, r.step.offset_days): r for r in rows if r.arm == variants[0]}
        pairs = []
        for row in rows:
            base = control.get((row.step.kind, row.step.offset_days))
            if row.arm != variants[0] and base is not None and row.paid.total and base.paid.total:
                pairs.append((row, base))
        raw = [_two_proportions(r.paid.count, r.paid.total, b.paid.count, b.paid.total) for r, b in pairs]
        reject, adjusted = _holm([p for _d, p, _i in raw])
        for (row, base), (difference, p_value, interval), significant, p_adj in zip(
            pairs, raw, reject, adjusted, strict=True
        ):
            row.comparison = Comparison(
                "step", row.arm, base.arm, difference, interval, p_value, p_adj, significant, None, ""
            )
    return rows


def experiment_report(experiment: Experiment, *, days: int = DEFAULT_DAYS) -> ExperimentReport:
    """The experiment's figures, computed in SQL from the assignments, the ledger and the steps taken."""
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(days)
    end = window_end(experiment)
    tz = getattr(current_tenant(), "timezone", None) or "UTC"
    params = {"experiment": experiment.pk, "end": end, "tz": tz}
    arms = list(experiment.arms.select_related("version").order_by("position"))
    rows_by_arm: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for arm_id, *row in _fetch(ASSIGNED_SQL, params):
        rows_by_arm[arm_id].append(tuple(row))
    money_by_arm: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for arm_id, _assignment, currency, owed, recovered in _fetch(MONEY_SQL, params):
        money_by_arm[arm_id].append((currency, owed, recovered))
    figures = [_arm_figures(arm, rows_by_arm[arm.pk], money_by_arm[arm.pk], end) for arm in arms]

    pairs = _pairs(figures)
    comparisons = [
        *_proportion_comparisons("recovery", [(a, b, a.recovered, b.recovered) for a, b in pairs]),
        *_time_comparisons(pairs),
        *_proportion_comparisons("opt_out", [(a, b, a.opted_out, b.opted_out) for a, b in pairs]),
    ]
    return ExperimentReport(
        experiment=experiment,
        window_end=end,
        days=days,
        arms=figures,
        comparisons=comparisons,
        steps=_step_rows(experiment, arms, end, days, tz),
    )
