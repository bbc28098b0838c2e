"""R6 assignment: deterministic from (experiment, debtor), recorded once, never moved; shares close to the weights."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import uuid
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import chisquare

from apps.engine.due import due_steps
from apps.experiments.assignment import arm_index, bucket_index
from apps.experiments.models import ArmAssignment, AssignedDebt
from apps.experiments.services import experiment_weights_set
from apps.policies.models import PolicyVersion
from tests.experiments.population import experiment_make, population_insert
from tests.factories import NOW, TODAY

pytestmark = [pytest.mark.django_db]

EXPERIMENT_ID = "6f1c1c52-4b0e-4d55-9d8e-1d2f3a4b5c6d"


@given(point=st.integers(min_value=0, max_value=2**32 - 1), weights=st.lists(st.integers(0, 1000), min_size=1))
def test_every_point_falls_into_a_bucket_with_weight(point: int, weights: list[int]) -> None:
    if sum(weights) == 0:
        with pytest.raises(ValueError, match="weights"):
            bucket_index(point, weights)
        return
    assert weights[bucket_index(point, weights)] > 0


def test_it_assigns_10000_debtors_in_sql_as_python_does_and_close_to_the_weights(
    live_version: PolicyVersion, other_version: PolicyVersion
) -> None:
    weights = [50, 30, 20]
    experiment = experiment_make(
        experiment_id=EXPERIMENT_ID, versions=[live_version, other_version], weights=weights[:2], holdout_weight=20
    )
    population_insert(prefix="w", count=10_000, due=TODAY - dt.timedelta(days=5))

    due_steps(today=TODAY, assign_at=NOW)

    arms = list(experiment.arms.order_by("position"))
    recorded = dict(ArmAssignment.objects.values_list("debtor_id", "arm_id"))
    assert len(recorded) == 10_000
    assert AssignedDebt.objects.count() == 10_000
    assert all(
        arm_id == arms[arm_index(experiment.pk, debtor_id, weights)].pk for debtor_id, arm_id in recorded.items()
    )
    counts = Counter(recorded.values())
    observed = [counts[arm.pk] for arm in arms]
    assert chisquare(observed, [10_000 * w / 100 for w in weights]).pvalue > 0.001
    assert all(abs(o / 10_000 - w / 100) < 0.02 for o, w in zip(observed, weights, strict=True))


def test_a_debtor_keeps_their_arm_across_runs_and_weight_changes(
    actor, live_version: PolicyVersion, other_version: PolicyVersion
) -> None:
    experiment = experiment_make(experiment_id=EXPERIMENT_ID, versions=[live_version, other_version], weights=[50, 50])
    population_insert(prefix="s", count=2_000, due=TODAY - dt.timedelta(days=5))
    due_steps(today=TODAY, assign_at=NOW)
    first = dict(ArmAssignment.objects.values_list("debtor_id", "arm_id"))

    arm_a, arm_b = experiment.arms.order_by("position")
    experiment_weights_set(experiment=experiment, weights={arm_a.pk: 1, arm_b.pk: 0}, actor=actor)
    due_steps(today=TODAY + dt.timedelta(days=1), assign_at=NOW + dt.timedelta(days=1))
    # The preview's read of the arms agrees with what was recorded, even though the weights now say "all A".
    due = due_steps(today=TODAY + dt.timedelta(days=2))

    assert dict(ArmAssignment.objects.values_list("debtor_id", "arm_id")) == first
    assert Counter(first.values())[arm_b.pk] > 900
    assert {m.arm_id for m in due.messages if first[m.debtor_id] == arm_b.pk} <= {arm_b.pk}
    assert ArmAssignment.objects.count() == 2_000

    # Newcomers follow the new weights.
    population_insert(prefix="n", count=300, due=TODAY - dt.timedelta(days=5))
    due_steps(today=TODAY + dt.timedelta(days=3), assign_at=NOW + dt.timedelta(days=3))
    newcomers = ArmAssignment.objects.exclude(debtor_id__in=first)
    assert newcomers.count() == 300
    assert set(newcomers.values_list("arm_id", flat=True)) == {arm_a.pk}


def test_another_process_computes_the_same_arms(live_version: PolicyVersion, other_version: PolicyVersion) -> None:
    experiment = experiment_make(
        experiment_id=EXPERIMENT_ID, versions=[live_version, other_version], weights=[70, 30], holdout_weight=10
    )
    population_insert(prefix="p", count=500, due=TODAY - dt.timedelta(days=5))
    due_steps(today=TODAY, assign_at=NOW)
    positions = {arm.pk: arm.position - 1 for arm in experiment.arms.all()}
    recorded = {str(d): positions[a] for d, a in ArmAssignment.objects.values_list("debtor_id", "arm_id")}

    script = (
        "import json, sys\n"
        "from apps.experiments.assignment import arm_index\n"
        "ids = json.load(sys.stdin)\n"
        f"print(json.dumps({{i: arm_index('{EXPERIMENT_ID}', i, [70, 30, 10]) for i in ids}}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        input=json.dumps(sorted(recorded)),
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "12345", "PYTHONPATH": "."},
    )
    assert json.loads(result.stdout) == recorded


def test_different_experiments_shuffle_debtors_independently() -> None:
    debtors = [uuid.uuid4() for _ in range(4_000)]
    first = [arm_index(uuid.uuid4(), d, [1, 1]) for d in debtors]
    second = [arm_index(uuid.uuid4(), d, [1, 1]) for d in debtors]
    same = sum(a == b for a, b in zip(first, second, strict=True))
    assert 1_800 < same < 2_200  # about half: one experiment's arm says nothing about the next one's
