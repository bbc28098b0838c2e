"""Every write to experiments: drafting arms, starting, re-weighting and stopping. Arms are fixed once running."""

from __future__ import annotations

import string

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import Actor, audit_record
from apps.core.errors import DomainError
from apps.experiments.models import (
    FROZEN,
    MAX_ARM_WEIGHT,
    MAX_ARMS,
    Arm,
    ArmKind,
    Experiment,
    ExperimentStatus,
)
from apps.policies.models import Policy, PolicyVersion
from apps.policies.selectors import live_version

DEFAULT_WEIGHT = 50
MAX_NAME = 120


def _locked(experiment: Experiment) -> Experiment:
    return Experiment.objects.select_for_update().get(pk=experiment.pk)


def _draft_locked(experiment: Experiment, refusal: str = "") -> Experiment:
    locked = _locked(experiment)
    if locked.status != ExperimentStatus.DRAFT:
        raise DomainError(refusal or _("The arms of an experiment that has started cannot change."))
    return locked


def _clean_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise DomainError(_("Give the experiment a name."), field="name")
    if len(name) > MAX_NAME:
        raise DomainError(_("Keep the name under %(n)s characters.") % {"n": MAX_NAME}, field="name")
    return name


def _clean_weight(weight: int | None, *, allow_zero: bool) -> int:
    if weight is None:
        raise DomainError(_("Give the arm a weight."), field="weight")
    low = 0 if allow_zero else 1
    if not low <= weight <= MAX_ARM_WEIGHT:
        raise DomainError(
            _("A weight is a whole number from %(low)s to %(high)s.") % {"low": low, "high": MAX_ARM_WEIGHT},
            field="weight",
        )
    return weight


def _clean_version(experiment: Experiment, version: PolicyVersion | None) -> PolicyVersion:
    if version is None:
        raise DomainError(_("Choose the policy version this arm follows."), field="version")
    if version.policy_id != experiment.policy_id:
        raise DomainError(_("An arm follows a version of the experiment's own policy."), field="version")
    if version.status not in FROZEN:
        # A draft can still change under the arm: only a version that was published is frozen.
        raise DomainError(
            _("Version %(n)s is a draft: publish it first, or choose a published version.") % {"n": version.number},
            field="version",
        )
    return version


def _clean_discount(pct: int | None) -> int | None:
    if pct is not None and not 0 <= pct <= 99:
        raise DomainError(_("The settlement discount is a percentage from 0 to 99."), field="settlement_discount_pct")
    return pct


def _next_letter(experiment: Experiment) -> str:
    used = set(experiment.arms.filter(kind=ArmKind.VARIANT).values_list("letter", flat=True))
    return next(letter for letter in string.ascii_uppercase if letter not in used)


def _arm_snapshot(arm: Arm) -> dict[str, object]:
    return {
        "arm": arm.label,
        "kind": arm.kind,
        "version": arm.version.number if arm.version else None,
        "weight": arm.weight,
        "description": arm.description,
        "settlement_discount_pct": arm.settlement_discount_pct,
    }


def experiment_create(*, policy: Policy, name: str, hypothesis: str = "", actor: Actor) -> Experiment:
    """A draft experiment on `policy`, with arm A following the policy's live version."""
    name = _clean_name(name)
    live = live_version(policy)
    if live is None:
        raise DomainError(_("This policy has no live version yet: publish one first."), field="policy")
    with transaction.atomic():
        experiment = Experiment.objects.create(
            policy=policy, name=name, hypothesis=hypothesis.strip(), created_by_label=actor.label[:200]
        )
        Arm.objects.create(experiment=experiment, position=1, letter="A", version=live, weight=DEFAULT_WEIGHT)
        audit_record(
            actor=actor,
            action="experiment.created",
            obj=experiment,
            after={"policy": policy.name, "name": name, "arm A": live.number},
        )
    return experiment


def experiment_update(*, experiment: Experiment, name: str, hypothesis: str, actor: Actor) -> Experiment:
    name = _clean_name(name)
    with transaction.atomic():
        locked = _locked(experiment)
        before = {"name": locked.name, "hypothesis": locked.hypothesis}
        after = {"name": name, "hypothesis": hypothesis.strip()}
        changed = [field for field in after if before[field] != after[field]]
        if not changed:
            return locked
        locked.name, locked.hypothesis = after["name"], after["hypothesis"]
        locked.save(update_fields=changed)
        audit_record(
            actor=actor,
            action="experiment.updated",
            obj=locked,
            before={f: before[f] for f in changed},
            after={f: after[f] for f in changed},
        )
    return locked


def arm_add(
    *,
    experiment: Experiment,
    kind: str = ArmKind.VARIANT,
    version: PolicyVersion | None = None,
    weight: int | None = DEFAULT_WEIGHT,
    description: str = "",
    settlement_discount_pct: int | None = None,
    actor: Actor,
) -> Arm:
    """A variant (following its own published version, optionally with its own settlement offer) or the holdout."""
    if kind not in ArmKind.values:
        raise DomainError(_("Choose a variant or the holdout."), field="kind")
    weight = _clean_weight(weight, allow_zero=False)
    with transaction.atomic():
        locked = _draft_locked(experiment)
        if locked.arms.count() >= MAX_ARMS:
            raise DomainError(_("An experiment has at most %(n)s arms.") % {"n": MAX_ARMS})
        if kind == ArmKind.HOLDOUT:
            if locked.arms.filter(kind=ArmKind.HOLDOUT).exists():
                raise DomainError(_("This experiment already has a holdout."), field="kind")
            if settlement_discount_pct is not None:
                raise DomainError(
                    _("The holdout keeps the usual margins: it is the control for the policy itself."),
                    field="settlement_discount_pct",
                )
            fields: dict[str, object] = {"letter": "", "version": None, "settlement_discount_pct": None}
        else:
            fields = {
                "letter": _next_letter(locked),
                "version": _clean_version(locked, version),
                "settlement_discount_pct": _clean_discount(settlement_discount_pct),
            }
        position = (locked.arms.aggregate(p=Max("position"))["p"] or 0) + 1
        arm = Arm.objects.create(
            experiment=locked, position=position, kind=kind, weight=weight, description=description.strip(), **fields
        )
        audit_record(actor=actor, action="experiment.arm_added", obj=locked, after=_arm_snapshot(arm))
    return arm


def arm_update(
    *,
    arm: Arm,
    version: PolicyVersion | None = None,
    weight: int | None,
    description: str = "",
    settlement_discount_pct: int | None = None,
    actor: Actor,
) -> Arm:
    weight = _clean_weight(weight, allow_zero=False)
    with transaction.atomic():
        experiment = _draft_locked(arm.experiment)
        locked = (
            Arm.objects.select_for_update(of=("self",)).select_related("version").get(pk=arm.pk, experiment=experiment)
        )
        before = _arm_snapshot(locked)
        if locked.is_holdout:
            if settlement_discount_pct is not None:
                raise DomainError(
                    _("The holdout keeps the usual margins: it is the control for the policy itself."),
                    field="settlement_discount_pct",
                )
        else:
            locked.version = _clean_version(experiment, version)
            locked.settlement_discount_pct = _clean_discount(settlement_discount_pct)
        locked.weight = weight
        locked.description = description.strip()
        locked.save(update_fields=["version", "settlement_discount_pct", "weight", "description"])
        after = _arm_snapshot(locked)
        if before != after:
            audit_record(actor=actor, action="experiment.arm_updated", obj=experiment, before=before, after=after)
    return locked


def arm_remove(*, arm: Arm, actor: Actor) -> None:
    with transaction.atomic():
        experiment = _draft_locked(arm.experiment)
        locked = (
            Arm.objects.select_for_update(of=("self",)).select_related("version").get(pk=arm.pk, experiment=experiment)
        )
        removed = _arm_snapshot(locked)
        locked.delete()
        audit_record(actor=actor, action="experiment.arm_removed", obj=experiment, before=removed)


def experiment_weights_set(*, experiment: Experiment, weights: dict[int, int], actor: Actor) -> Experiment:
    """New weights for the arms. While running they only steer debtors not yet assigned: recorded arms never move.

    A weight of zero closes an arm to new debtors; at least one arm keeps a weight."""
    with transaction.atomic():
        locked = _locked(experiment)
        if locked.status == ExperimentStatus.STOPPED:
            raise DomainError(_("This experiment has stopped."))
        arms = list(locked.arms.select_for_update().order_by("position"))
        if set(weights) != {arm.pk for arm in arms}:
            raise DomainError(_("Give a weight for every arm."), field="weight")
        cleaned = {arm.pk: _clean_weight(weights[arm.pk], allow_zero=locked.is_running) for arm in arms}
        if sum(cleaned.values()) <= 0:
            raise DomainError(_("At least one arm needs a weight above zero."), field="weight")
        before = {arm.label: arm.weight for arm in arms}
        for arm in arms:
            if arm.weight != cleaned[arm.pk]:
                arm.weight = cleaned[arm.pk]
                arm.save(update_fields=["weight"])
        after = {arm.label: arm.weight for arm in arms}
        if before != after:
            audit_record(actor=actor, action="experiment.weights_changed", obj=locked, before=before, after=after)
    return locked


def experiment_problems(experiment: Experiment) -> list[str]:
    """Why `experiment` cannot start (empty when it can)."""
    arms = list(experiment.arms.select_related("version"))
    problems: list[str] = []
    variants = [arm for arm in arms if not arm.is_holdout]
    if not variants:
        problems.append(_("Add at least one variant."))
    if len(arms) < 2:  # an experiment compares at least two arms
        problems.append(_("Add a second arm to compare with: another variant or a holdout."))
    for arm in variants:
        if arm.version is None or arm.version.status not in FROZEN:
            problems.append(
                _("Arm %(arm)s follows a draft: publish it first, or choose a published version.") % {"arm": arm.label}
            )
    if any(arm.weight <= 0 for arm in arms):
        problems.append(_("Every arm needs a weight above zero at the start."))
    if live_version(experiment.policy) is None:
        problems.append(_("The policy has no live version."))
    running = Experiment.objects.filter(policy_id=experiment.policy_id, status=ExperimentStatus.RUNNING)
    if running.exclude(pk=experiment.pk).exists():
        problems.append(_("Another experiment is running on this policy: stop it first."))
    return problems


def experiment_start(*, experiment: Experiment, actor: Actor) -> Experiment:
    """From the next daily run on, the policy's debtors are assigned to the arms and follow their arm's version."""
    try:
        with transaction.atomic():
            Policy.objects.select_for_update().get(pk=experiment.policy_id)
            locked = _draft_locked(experiment, _("This experiment has already started."))
            problems = experiment_problems(locked)
            if problems:
                raise DomainError(_("This experiment cannot start: %(p)s") % {"p": " ".join(problems)})
            locked.status = ExperimentStatus.RUNNING
            locked.started_at = timezone.now()
            locked.started_by_label = actor.label[:200]
            locked.save(update_fields=["status", "started_at", "started_by_label"])
            audit_record(
                actor=actor,
                action="experiment.started",
                obj=locked,
                before={"status": ExperimentStatus.DRAFT},
                after={"status": ExperimentStatus.RUNNING, "arms": [_arm_snapshot(a) for a in locked.arms.all()]},
            )
    except IntegrityError as exc:  # another experiment on the policy started meanwhile
        raise DomainError(_("Another experiment is running on this policy: stop it first.")) from exc
    return locked


def experiment_stop(*, experiment: Experiment, reason: str = "", actor: Actor) -> Experiment:
    """Everyone returns to the policy's live version from the next run; the recorded arms stay for the report."""
    with transaction.atomic():
        locked = _locked(experiment)
        if locked.status != ExperimentStatus.RUNNING:
            raise DomainError(_("Only a running experiment can be stopped."))
        locked.status = ExperimentStatus.STOPPED
        locked.stopped_at = timezone.now()
        locked.stopped_by_label = actor.label[:200]
        locked.stop_reason = reason.strip()
        locked.save(update_fields=["status", "stopped_at", "stopped_by_label", "stop_reason"])
        audit_record(
            actor=actor,
            action="experiment.stopped",
            obj=locked,
            before={"status": ExperimentStatus.RUNNING},
            after={"status": ExperimentStatus.STOPPED},
            reason=locked.stop_reason,
        )
    return locked


def experiment_discard(*, experiment: Experiment, actor: Actor) -> None:
    """A draft that never ran is deleted with its arms (nothing refers to it)."""
    with transaction.atomic():
        locked = _draft_locked(experiment, _("Only a draft can be discarded: stop a running experiment instead."))
        audit_record(
            actor=actor,
            action="experiment.discarded",
            obj=locked,
            before={"name": locked.name, "arms": [_arm_snapshot(a) for a in locked.arms.all()]},
        )
        locked.delete()
