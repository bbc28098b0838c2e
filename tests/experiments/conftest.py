"""A policy with two frozen versions and the templates their steps use; experiments on it are built per test."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import time_machine

from apps.audit.services import Actor
from apps.debtors.models import Debtor
from apps.debtors.services import contact_point_add
from apps.experiments.assignment import arm_index
from apps.experiments.models import Arm, ArmKind, Experiment
from apps.experiments.services import arm_add, experiment_create
from apps.policies.models import MessageTemplate, PolicyVersion, Step, VersionStatus
from apps.tenants.models import Tenant
from tests.engine.conftest import STEPS, policy_make
from tests.factories import make_debt, make_debtor

# 11:00 in Paris on a Friday that is no public holiday: inside every quiet-hours window.
RUN_AT = dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC)
# Arm B's version: an SMS on day 1 instead of an email, and a letter at day 30.
V2_STEPS = [
    (-3, "email", "engine-reminder", "friendly"),
    (1, "sms", "engine-nudge", "friendly"),
    (30, "letter", "engine-letter", "firm"),
]


@pytest.fixture
def templates(tenant: Tenant) -> None:
    for _offset, channel, key, stage in STEPS:
        MessageTemplate.objects.create(
            key=key,
            channel=channel,
            locale="en",
            stage=stage,
            subject="Hello {{ debtor.name }}" if channel == "email" else "",
            body="Hello {{ debtor.name }}, {{ total }} is open. {{ opt_out_link }}",
        )


@pytest.fixture
def clock() -> Iterator[None]:
    with time_machine.travel(RUN_AT, tick=False):
        yield


@pytest.fixture
def live_version(tenant: Tenant) -> PolicyVersion:
    return policy_make(STEPS, name="Experiment test")


@pytest.fixture
def other_version(live_version: PolicyVersion) -> PolicyVersion:
    """An earlier published version of the same policy (retired: frozen, not live)."""
    version = PolicyVersion.objects.create(policy=live_version.policy, number=2, status=VersionStatus.RETIRED)
    for position, (offset, channel, key, stage) in enumerate(V2_STEPS, start=1):
        Step.objects.create(
            version=version, position=position, offset_days=offset, channel=channel, template_key=key, stage=stage
        )
    return version


@pytest.fixture
def experiment(actor: Actor, live_version: PolicyVersion, other_version: PolicyVersion) -> Experiment:
    """Draft: A follows the live version, B the other version, and a holdout; equal weights."""
    experiment = experiment_create(policy=live_version.policy, name="SMS first", actor=actor)
    arm_add(experiment=experiment, version=other_version, weight=50, actor=actor)
    arm_add(experiment=experiment, kind=ArmKind.HOLDOUT, weight=50, actor=actor)
    return experiment


def expected_arm(experiment: Experiment, debtor: Debtor) -> Arm:
    arms = list(experiment.arms.order_by("position"))
    return arms[arm_index(experiment.pk, debtor.pk, [arm.weight for arm in arms])]


def debtors_in_every_arm(actor: Actor, experiment: Experiment, *, days_past_due: int = 1) -> dict[str, Debtor]:
    """One debtor (with an email, a phone and one debt) per arm, by arm label, made until every arm has one."""
    found: dict[str, Debtor] = {}
    arms = set(experiment.arms.values_list("pk", flat=True))
    n = 0
    while len(found) < len(arms):
        n += 1
        debtor = make_debtor(actor, f"D-{n}", f"Debtor {n}")
        arm = expected_arm(experiment, debtor)
        if arm.label in found:
            continue
        contact_point_add(debtor=debtor, kind="email", value=f"d{n}@example.com", is_primary=True, actor=actor)
        contact_point_add(debtor=debtor, kind="phone", value=f"+3361234{n:04d}", is_primary=True, actor=actor)
        make_debt(actor, debtor, f"INV-{n}", 100_00, days_past_due=days_past_due)
        found[arm.label] = debtor
    return found
