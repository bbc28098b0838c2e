"""Reads for experiments: lists, a debtor's arm, and the margins a debtor's arm offers (R3 with the R6 override)."""

from __future__ import annotations

import copy

from django.db.models import Count, QuerySet

from apps.debtors.models import Debtor
from apps.experiments.models import FROZEN, Arm, Experiment, ExperimentStatus
from apps.policies.models import Margins, PolicyVersion
from apps.policies.selectors import margins_get, policy_for_segment


def experiment_list() -> QuerySet[Experiment]:
    return Experiment.objects.select_related("policy").annotate(
        arm_count=Count("arms", distinct=True), assigned=Count("assignments", distinct=True)
    )


def experiment_arms(experiment: Experiment) -> list[Arm]:
    return list(experiment.arms.select_related("version").annotate(assigned=Count("assignments")).order_by("position"))


def arm_versions(experiment: Experiment) -> QuerySet[PolicyVersion]:
    """The versions an arm may follow: the policy's published ones (live or retired), newest first."""
    return PolicyVersion.objects.filter(policy_id=experiment.policy_id, status__in=FROZEN).order_by("-number")


def running_arm_for(debtor: Debtor) -> Arm | None:
    """The debtor's arm in the experiment running on the policy they follow now, if they were assigned to one."""
    arm = (
        Arm.objects.filter(assignments__debtor=debtor, experiment__status=ExperimentStatus.RUNNING)
        .select_related("experiment")
        .first()
    )
    if arm is None:
        return None
    # As in the daily run: an arm applies only while the debtor still follows the experiment's policy.
    policy = policy_for_segment(debtor.segment)
    return arm if policy is not None and policy.pk == arm.experiment.policy_id else None


def margins_for(debtor: Debtor) -> Margins:
    """The tenant's margins, with the settlement discount of the debtor's experiment arm when it overrides it.

    The portal's options and the arrangement services read the margins through here, so an arm's offer is both shown
    and agreed inside the margins. The override comes back on a copy that is never saved."""
    margins = margins_get()
    arm = running_arm_for(debtor)
    if arm is None or arm.settlement_discount_pct is None:
        return margins
    overridden = copy.copy(margins)
    overridden.max_settlement_discount_pct = arm.settlement_discount_pct
    return overridden
