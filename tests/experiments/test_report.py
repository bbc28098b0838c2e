"""R6/A2 report: a simulated population with a known effect is detected, an A/A population is not, figures match."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from apps.audit.services import Actor
from apps.contact.services import opt_out_record
from apps.debts.services import debt_payment_record
from apps.engine.due import due_steps
from apps.engine.services import collection_run
from apps.experiments.models import ArmAssignment, Experiment
from apps.experiments.report import experiment_report
from apps.experiments.services import experiment_start
from apps.policies.models import PolicyVersion
from tests.experiments.conftest import debtors_in_every_arm
from tests.experiments.population import experiment_make, payments_simulate, population_insert
from tests.factories import NOW, TODAY

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]

ASSIGNED_ON = TODAY - dt.timedelta(days=90)


def _simulate(versions: list[PolicyVersion], rates: list[float], experiment_id: str) -> Experiment:
    experiment = experiment_make(experiment_id=experiment_id, versions=versions, weights=[1] * len(versions))
    population_insert(prefix="r", count=4_000, due=ASSIGNED_ON - dt.timedelta(days=10))
    due_steps(today=ASSIGNED_ON, assign_at=NOW - dt.timedelta(days=90))
    for arm, rate in zip(experiment.arms.order_by("position"), rates, strict=True):
        payments_simulate(arm=arm, rate=rate)
    return experiment


def test_it_detects_a_known_effect_as_significant(live_version: PolicyVersion, other_version: PolicyVersion) -> None:
    experiment = _simulate([live_version, other_version], [0.20, 0.30], "0b9ad2c8-2d55-4a47-8c38-0f5e4f3a1b11")

    report = experiment_report(experiment)

    a, b = report.arms
    assert 1_900 < a.debtors < 2_100
    assert a.debtors + b.debtors == 4_000
    assert 0.18 < a.recovered.rate < 0.22
    assert 0.28 < b.recovered.rate < 0.32
    assert a.recovered.interval.low < a.recovered.rate < a.recovered.interval.high
    [comparison] = report.recovery_comparisons
    assert (comparison.arm, comparison.baseline) == (b.arm, a.arm)
    assert comparison.significant
    assert comparison.p_adjusted < 0.001
    assert 0.05 < comparison.interval.low < comparison.difference < comparison.interval.high < 0.15
    assert comparison.sentence.startswith("B recovers more than A: +")
    assert comparison.sentence.endswith(", significant.")
    [time] = report.time_comparisons
    assert time.significant
    assert "B pays faster than A" in time.sentence
    # Every payer paid in full what they owed: recovered amounts equal the paid shares of the money owed.
    [money_a] = a.money
    assert money_a.currency == "EUR"
    assert money_a.owed_minor == a.debtors * 100_00
    assert money_a.recovered_minor == a.recovered.count * 100_00
    assert money_a.interval.low < money_a.ratio < money_a.interval.high
    # Fewer than half pay: the median is not reached, the day a quarter of B had paid is.
    assert a.time_to_pay.median_days is None
    assert b.time_to_pay.quarter_days is not None


def test_it_does_not_flag_an_a_a_population(live_version: PolicyVersion) -> None:
    experiment = _simulate([live_version, live_version], [0.20, 0.20], "7d4f6a1e-93a2-4c1b-8d5e-2a6b7c8d9e0f")

    report = experiment_report(experiment)

    [comparison] = report.recovery_comparisons
    assert not comparison.significant
    assert comparison.interval.low < 0 < comparison.interval.high
    assert "not significant" in comparison.sentence
    [time] = report.time_comparisons
    assert not time.significant


@pytest.mark.usefixtures("templates")
def test_it_counts_a_small_experiment_by_hand(
    actor: Actor, live_version: PolicyVersion, other_version: PolicyVersion, experiment: Experiment
) -> None:
    """Three debtors, one per arm: payments, a settlement-free partial payment and an opt-out, checked by hand."""
    experiment_start(experiment=experiment, actor=actor)
    debtors = debtors_in_every_arm(actor, experiment, days_past_due=1)
    collection_run()  # assigns everyone today; A and B get their day-1 message
    a_debt = debtors["A"].debts.get()
    debt_payment_record(debt=a_debt, amount_minor=100_00, received_on=TODAY, method="transfer", actor=actor)
    b_debt = debtors["B"].debts.get()
    debt_payment_record(debt=b_debt, amount_minor=30_00, received_on=TODAY, method="transfer", actor=actor)
    opt_out_record(debtor=debtors["B"], channel="sms", source="staff", actor=actor)

    report = experiment_report(experiment, days=1)

    figures = {f.arm.label: f for f in report.arms}
    assert {label: f.debtors for label, f in figures.items()} == {"A": 1, "B": 1, "Holdout": 1}
    assert figures["A"].recovered.count == 1
    assert figures["B"].recovered.count == 0
    assert [(m.owed_minor, m.recovered_minor) for m in figures["B"].money] == [(100_00, 30_00)]
    assert figures["A"].time_to_pay.median_days == 0
    assert (figures["B"].opted_out.count, figures["A"].opted_out.count) == (1, 0)
    assert ArmAssignment.objects.get(debtor=debtors["A"]).assigned_on == TODAY
    # The day-1 steps are not yet measurable a day later: the window ends today.
    assert all(row.paid.total == 0 for row in report.steps)
    assert {(row.arm.label, row.step.offset_days, row.step.channel) for row in report.steps} >= {
        ("A", 1, "email"),
        ("B", 1, "sms"),
    }


@pytest.mark.usefixtures("templates")
def test_it_counts_payments_within_n_days_after_each_step_per_arm(actor: Actor, experiment: Experiment) -> None:
    experiment_start(experiment=experiment, actor=actor)
    debtors = debtors_in_every_arm(actor, experiment, days_past_due=1)
    collection_run()  # day 1 for A (email) and B (SMS)

    with time_machine.travel(NOW + dt.timedelta(days=3), tick=False):
        debt_payment_record(
            debt=debtors["A"].debts.get(),
            amount_minor=10_00,
            received_on=TODAY + dt.timedelta(days=2),
            method="transfer",
            actor=actor,
        )
        report = experiment_report(experiment, days=2)

    rows = {(row.arm.label, row.step.offset_days): row for row in report.steps}
    assert (rows["A", 1].paid.count, rows["A", 1].paid.total) == (1, 1)
    assert (rows["B", 1].paid.count, rows["B", 1].paid.total) == (0, 1)
    assert rows["A", 7].paid.total == 0  # not sent yet
    assert not any(row.arm.is_holdout for row in report.steps)
    # B's day-1 step is compared with A's day-1 step.
    assert rows["B", 1].comparison is not None
    assert rows["B", 1].comparison.baseline.label == "A"
    assert rows["B", 1].comparison.difference == -1.0
