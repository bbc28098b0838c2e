"""R6 services: what may start, what may change when, and every change audited; bad input changes nothing."""

from __future__ import annotations

import pytest

from apps.audit.models import AuditEvent
from apps.audit.services import Actor
from apps.core.errors import DomainError
from apps.experiments.models import Arm, ArmKind, Experiment, ExperimentStatus
from apps.experiments.services import (
    arm_add,
    arm_remove,
    experiment_create,
    experiment_discard,
    experiment_problems,
    experiment_start,
    experiment_stop,
    experiment_update,
    experiment_weights_set,
)
from apps.policies.models import Policy, PolicyVersion, VersionStatus

pytestmark = [pytest.mark.django_db]


def test_a_new_experiment_has_arm_a_on_the_live_version(actor: Actor, live_version: PolicyVersion) -> None:
    experiment = experiment_create(policy=live_version.policy, name="  Timing  ", actor=actor)
    [arm] = experiment.arms.all()
    assert (experiment.name, experiment.status, arm.label, arm.version) == (
        "Timing",
        ExperimentStatus.DRAFT,
        "A",
        live_version,
    )
    assert experiment_problems(experiment) == ["Add a second arm to compare with: another variant or a holdout."]


def test_it_refuses_a_policy_without_a_live_version_and_an_empty_name(actor: Actor) -> None:
    policy = Policy.objects.create(name="Unpublished")
    PolicyVersion.objects.create(policy=policy, number=1, status=VersionStatus.DRAFT)
    with pytest.raises(DomainError, match="no live version"):
        experiment_create(policy=policy, name="X", actor=actor)
    with pytest.raises(DomainError, match="Give the experiment a name"):
        experiment_create(policy=policy, name=" ", actor=actor)
    assert not Experiment.objects.exists()


def test_an_arm_follows_a_published_version_of_the_same_policy(
    actor: Actor, experiment: Experiment, live_version: PolicyVersion
) -> None:
    draft = PolicyVersion.objects.create(policy=live_version.policy, number=3, status=VersionStatus.DRAFT)
    other_policy = Policy.objects.create(name="Other")
    foreign = PolicyVersion.objects.create(policy=other_policy, number=1, status=VersionStatus.PUBLISHED)
    with pytest.raises(DomainError, match="is a draft"):
        arm_add(experiment=experiment, version=draft, actor=actor)
    with pytest.raises(DomainError, match="own policy"):
        arm_add(experiment=experiment, version=foreign, actor=actor)
    with pytest.raises(DomainError, match="from 1 to 1000"):
        arm_add(experiment=experiment, version=live_version, weight=0, actor=actor)
    with pytest.raises(DomainError, match="from 0 to 99"):
        arm_add(experiment=experiment, version=live_version, settlement_discount_pct=100, actor=actor)
    assert experiment.arms.count() == 3
    # The same version with another offer is a fair variant (an offer-only experiment).
    arm = arm_add(experiment=experiment, version=live_version, settlement_discount_pct=10, actor=actor)
    assert (arm.letter, arm.position) == ("C", 4)


def test_running_arms_are_fixed_but_weights_may_change(actor: Actor, experiment: Experiment) -> None:
    experiment_start(experiment=experiment, actor=actor)
    arm_b = experiment.arms.get(letter="B")
    with pytest.raises(DomainError, match="cannot change"):
        arm_remove(arm=arm_b, actor=actor)
    with pytest.raises(DomainError, match="cannot change"):
        arm_add(experiment=experiment, kind=ArmKind.VARIANT, version=arm_b.version, actor=actor)
    with pytest.raises(DomainError, match="Only a draft can be discarded"):
        experiment_discard(experiment=experiment, actor=actor)

    arms = list(experiment.arms.order_by("position"))
    with pytest.raises(DomainError, match="At least one arm"):
        experiment_weights_set(experiment=experiment, weights={a.pk: 0 for a in arms}, actor=actor)
    with pytest.raises(DomainError, match="for every arm"):
        experiment_weights_set(experiment=experiment, weights={arms[0].pk: 1}, actor=actor)
    experiment_weights_set(experiment=experiment, weights={arms[0].pk: 80, arms[1].pk: 20, arms[2].pk: 0}, actor=actor)
    assert list(Arm.objects.filter(experiment=experiment).order_by("position").values_list("weight", flat=True)) == [
        80,
        20,
        0,
    ]
    event = AuditEvent.objects.get(action="experiment.weights_changed")
    assert (event.before, event.after) == ({"A": 50, "B": 50, "Holdout": 50}, {"A": 80, "B": 20, "Holdout": 0})


def test_it_stops_only_a_running_experiment_and_never_restarts_it(actor: Actor, experiment: Experiment) -> None:
    with pytest.raises(DomainError, match="Only a running experiment"):
        experiment_stop(experiment=experiment, actor=actor)
    experiment_start(experiment=experiment, actor=actor)
    with pytest.raises(DomainError, match="already started"):
        experiment_start(experiment=experiment, actor=actor)
    stopped = experiment_stop(experiment=experiment, reason="Done", actor=actor)
    assert stopped.status == ExperimentStatus.STOPPED
    with pytest.raises(DomainError, match="already started"):
        experiment_start(experiment=experiment, actor=actor)
    with pytest.raises(DomainError, match="has stopped"):
        experiment_weights_set(experiment=experiment, weights={}, actor=actor)
    actions = list(AuditEvent.objects.filter(object_id=str(experiment.pk)).values_list("action", flat=True))
    assert {"experiment.created", "experiment.arm_added", "experiment.started", "experiment.stopped"} <= set(actions)


def test_a_draft_can_be_renamed_and_discarded(actor: Actor, experiment: Experiment) -> None:
    renamed = experiment_update(experiment=experiment, name="Day-1 SMS", hypothesis="Sooner", actor=actor)
    assert (renamed.name, renamed.hypothesis) == ("Day-1 SMS", "Sooner")
    experiment_discard(experiment=experiment, actor=actor)
    assert not Experiment.objects.exists()
    assert not Arm.objects.exists()
    assert AuditEvent.objects.filter(action="experiment.discarded").exists()
