"""R6 staff pages: managers create, arm, start, re-weight and stop experiments; others read; bad input is refused."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.audit.services import Actor
from apps.engine.due import due_steps
from apps.experiments.models import Arm, Experiment, ExperimentStatus
from apps.experiments.services import experiment_start
from apps.policies.models import PolicyVersion, VersionStatus
from tests.experiments.population import experiment_make, payments_simulate, population_insert
from tests.factories import NOW, TODAY

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


def test_a_manager_builds_and_starts_an_experiment(
    manager: object, client_for: Callable[..., Client], live_version: PolicyVersion, other_version: PolicyVersion
) -> None:
    client = client_for(manager)
    created = client.post(
        reverse("experiments:list"),
        {"policy": live_version.policy_id, "name": "SMS first", "hypothesis": "Paid sooner"},
    )
    experiment = Experiment.objects.get(name="SMS first")
    assert created.status_code == 302
    assert created.url == reverse("experiments:detail", args=[experiment.pk])
    detail = reverse("experiments:detail", args=[experiment.pk])
    assert "Add a second arm" in client.get(detail).text

    added = client.post(
        reverse("experiments:arm_add", args=[experiment.pk]),
        {"kind": "variant", "version": other_version.pk, "weight": "40", "settlement_discount_pct": "30"},
    )
    assert added.status_code == 302
    client.post(reverse("experiments:arm_add", args=[experiment.pk]), {"kind": "holdout", "weight": "10"})
    arms = {arm.label: arm for arm in experiment.arms.all()}
    assert (arms["A"].version, arms["B"].version, arms["B"].settlement_discount_pct) == (
        live_version,
        other_version,
        30,
    )
    assert arms["Holdout"].version is None

    started = client.post(reverse("experiments:start", args=[experiment.pk]))
    assert started.status_code == 302
    experiment.refresh_from_db()
    assert experiment.status == ExperimentStatus.RUNNING
    page = client.get(detail).text
    assert "Save the weights" in page
    assert "Stop the experiment" in page
    assert AuditEvent.objects.filter(action="experiment.started", object_id=str(experiment.pk)).exists()

    # Arms are fixed once running.
    refused = client.post(reverse("experiments:arm_remove", args=[experiment.pk, arms["B"].pk]), follow=True)
    assert "cannot change" in refused.text
    assert experiment.arms.count() == 3

    stopped = client.post(reverse("experiments:stop", args=[experiment.pk]), {"reason": "B is clearly better"})
    assert stopped.status_code == 302
    experiment.refresh_from_db()
    assert (experiment.status, experiment.stop_reason) == (ExperimentStatus.STOPPED, "B is clearly better")


def test_it_refuses_a_draft_version_and_a_second_holdout_with_a_reason(
    manager: object, client_for: Callable[..., Client], experiment: Experiment, live_version: PolicyVersion
) -> None:
    draft = PolicyVersion.objects.create(policy=live_version.policy, number=3, status=VersionStatus.DRAFT)
    client = client_for(manager)
    url = reverse("experiments:arm_add", args=[experiment.pk])

    response = client.post(url, {"kind": "variant", "version": draft.pk, "weight": "10"})
    assert response.status_code == 422
    assert "Select a valid choice" in response.text  # drafts are not even offered
    response = client.post(url, {"kind": "holdout", "weight": "10"})
    assert response.status_code == 422
    assert "already has a holdout" in response.text
    response = client.post(url, {"kind": "variant", "weight": "10"})
    assert "Choose the policy version this arm follows." in response.text
    assert experiment.arms.count() == 3


def test_it_refuses_to_start_a_second_experiment_on_the_policy(
    actor: Actor, manager: object, client_for: Callable[..., Client], experiment: Experiment
) -> None:
    experiment_start(experiment=experiment, actor=actor)
    client = client_for(manager)
    client.post(reverse("experiments:list"), {"policy": experiment.policy_id, "name": "Second"})
    second = Experiment.objects.get(name="Second")
    client.post(reverse("experiments:arm_add", args=[second.pk]), {"kind": "holdout", "weight": "10"})

    response = client.post(reverse("experiments:start", args=[second.pk]), follow=True)

    assert "Another experiment is running on this policy" in response.text
    second.refresh_from_db()
    assert second.status == ExperimentStatus.DRAFT


def test_agents_and_viewers_read_but_do_not_change(
    agent: object, viewer: object, client_for: Callable[..., Client], experiment: Experiment
) -> None:
    for user in (agent, viewer):
        client = client_for(user)
        assert client.get(reverse("experiments:list")).status_code == 200
        assert client.get(reverse("experiments:detail", args=[experiment.pk])).status_code == 200
        assert client.get(reverse("experiments:report", args=[experiment.pk])).status_code == 200
        assert (
            client.post(reverse("experiments:list"), {"policy": experiment.policy_id, "name": "X"}).status_code == 403
        )
        for name in ("start", "stop", "discard", "arm_add", "weights", "edit"):
            assert client.post(reverse(f"experiments:{name}", args=[experiment.pk])).status_code == 403, name
    experiment.refresh_from_db()
    assert experiment.status == ExperimentStatus.DRAFT
    assert client_for(None).get(reverse("experiments:list")).status_code == 302  # signed out: to the sign-in


def test_the_report_page_says_in_words_what_is_significant_and_exports_csv(
    viewer: object, client_for: Callable[..., Client], live_version: PolicyVersion, other_version: PolicyVersion
) -> None:
    experiment = experiment_make(
        experiment_id="0b9ad2c8-2d55-4a47-8c38-0f5e4f3a1b11", versions=[live_version, other_version], weights=[1, 1]
    )
    population_insert(prefix="r", count=4_000, due=TODAY - dt.timedelta(days=100))
    due_steps(today=TODAY - dt.timedelta(days=90), assign_at=NOW)
    arm_a, arm_b = experiment.arms.order_by("position")
    payments_simulate(arm=arm_a, rate=0.2)
    payments_simulate(arm=arm_b, rate=0.3)
    client = client_for(viewer)

    page = client.get(reverse("experiments:report", args=[experiment.pk]))

    assert page.status_code == 200
    assert "B recovers more than A: +" in page.text
    assert ", significant." in page.text
    assert "not reached" in page.text  # fewer than half pay: the median time to pay is not reached
    csv = client.get(reverse("experiments:report", args=[experiment.pk]), {"format": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode().splitlines()
    assert lines[0].startswith("arm,version,debtors,recovered_debtors,recovery_rate_pct")
    assert [line.split(",")[0] for line in lines[1:]] == ["A", "B"]
    assert client.get(reverse("experiments:report", args=[experiment.pk]), {"days": "0"}).status_code == 200


def test_an_unknown_experiment_or_arm_is_404(
    manager: object, client_for: Callable[..., Client], experiment: Experiment
) -> None:
    client = client_for(manager)
    other = Experiment.objects.create(policy=experiment.policy, name="Other", created_by_label="x")
    arm = Arm.objects.filter(experiment=experiment).first()
    assert client.get(reverse("experiments:arm_edit", args=[other.pk, arm.pk])).status_code == 404
    assert client.get(reverse("experiments:detail", args=["00000000-0000-0000-0000-000000000000"])).status_code == 404
