"""R6 in the daily run and the preview: each arm gets its own version's step, the holdout nothing, stopping ends it."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from apps.audit.services import Actor
from apps.engine.models import StepDone
from apps.engine.preview import preview
from apps.engine.services import collection_run
from apps.experiments.models import ArmAssignment, AssignedDebt, Experiment
from apps.experiments.services import experiment_start, experiment_stop
from apps.outbox.models import Message
from apps.policies.models import PolicyVersion
from tests.experiments.conftest import RUN_AT, debtors_in_every_arm
from tests.factories import TODAY

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "templates")]


def test_it_sends_each_arm_its_own_versions_step_and_nothing_to_the_holdout(
    actor: Actor, experiment: Experiment, live_version: PolicyVersion, other_version: PolicyVersion
) -> None:
    experiment_start(experiment=experiment, actor=actor)
    debtors = debtors_in_every_arm(actor, experiment, days_past_due=1)

    collection_run()

    by_debtor = {m.debtor_id: m for m in Message.objects.select_related("step")}
    a, b, holdout = debtors["A"], debtors["B"], debtors["Holdout"]
    assert (by_debtor[a.pk].policy_version, by_debtor[a.pk].channel) == (live_version, "email")
    assert (by_debtor[b.pk].policy_version, by_debtor[b.pk].channel) == (other_version, "sms")
    assert holdout.pk not in by_debtor
    assert not StepDone.objects.filter(debt__debtor=holdout).exists()
    # Every debtor the run considered is recorded in the arm it used, with the debt it owed then.
    recorded = {x.debtor_id: x.arm.label for x in ArmAssignment.objects.select_related("arm")}
    assert recorded == {a.pk: "A", b.pk: "B", holdout.pk: "Holdout"}
    owed = AssignedDebt.objects.get(assignment__debtor=holdout)
    assert (owed.owed_minor, owed.currency) == (100_00, "EUR")
    assert set(ArmAssignment.objects.values_list("assigned_on", flat=True)) == {TODAY}


def test_a_draft_experiment_changes_nothing(actor: Actor, experiment: Experiment, live_version: PolicyVersion) -> None:
    debtors = debtors_in_every_arm(actor, experiment)

    collection_run()

    assert Message.objects.count() == len(debtors)
    assert set(Message.objects.values_list("policy_version", flat=True)) == {live_version.pk}
    assert not ArmAssignment.objects.exists()


def test_stopping_returns_everyone_to_the_live_version(
    actor: Actor, experiment: Experiment, live_version: PolicyVersion
) -> None:
    experiment_start(experiment=experiment, actor=actor)
    debtors = debtors_in_every_arm(actor, experiment, days_past_due=0)
    collection_run()  # day 0: the -3 reminder (both versions), nothing for the holdout
    assert not Message.objects.filter(debtor=debtors["Holdout"]).exists()
    experiment_stop(experiment=experiment, reason="Enough data", actor=actor)

    with time_machine.travel(RUN_AT + dt.timedelta(days=1), tick=False):
        collection_run()

    day_one = Message.objects.filter(run__run_date=TODAY + dt.timedelta(days=1)).select_related("step")
    assert {m.debtor_id for m in day_one} == {d.pk for d in debtors.values()}
    assert {(m.policy_version_id, m.channel) for m in day_one} == {(live_version.pk, "email")}
    # The holdout owes the live version's reminder too: it was never sent.
    assert Message.objects.get(debtor=debtors["Holdout"]).step.offset_days == 1
    assert ArmAssignment.objects.count() == 3  # kept for the report


def test_the_preview_shows_what_the_runs_then_do(
    actor: Actor, experiment: Experiment, live_version: PolicyVersion
) -> None:
    experiment_start(experiment=experiment, actor=actor)
    debtors = debtors_in_every_arm(actor, experiment, days_past_due=0)

    result = preview(live_version, days=8, start=TODAY)
    assert not ArmAssignment.objects.exists()  # the preview writes nothing
    previewed = {(row.day, row.debtor.pk, row.offset_days, row.channel, row.arm.label) for row in result.live.rows}
    assert result.has_arms
    assert not [row for row in result.live.rows if row.debtor == debtors["Holdout"]]

    for day in range(8):
        with time_machine.travel(RUN_AT + dt.timedelta(days=day), tick=False):
            collection_run()
    arms = {x.debtor_id: x.arm.label for x in ArmAssignment.objects.select_related("arm")}
    ran = {
        (s.run.run_date, s.debt.debtor_id, s.offset_days, s.step.channel, arms[s.debt.debtor_id])
        for s in StepDone.objects.select_related("run", "debt", "step")
    }
    assert previewed == ran
    assert {label for *_rest, label in ran} == {"A", "B"}


def test_the_preview_page_names_each_debtors_arm(
    actor: Actor, experiment: Experiment, live_version: PolicyVersion, manager: object, client_for
) -> None:
    experiment_start(experiment=experiment, actor=actor)
    debtors_in_every_arm(actor, experiment, days_past_due=0)

    page = client_for(manager).get(reverse("engine:preview", kwargs={"policy_id": live_version.policy_id}))

    assert page.status_code == 200
    assert "Experiment arm" in page.text
    assert reverse("experiments:detail", args=[experiment.pk]) in page.text
    assert "the holdout gets no message" in page.text
