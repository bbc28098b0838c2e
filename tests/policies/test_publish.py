"""Editing works on a draft; publishing makes it live and leaves the previous version exactly as it was."""

from __future__ import annotations

import pytest

from apps.audit.models import AuditEvent
from apps.audit.services import Actor
from apps.core.errors import DomainError
from apps.policies import services
from apps.policies.models import MessageTemplate, Policy, Step, VersionStatus
from apps.policies.selectors import live_version
from apps.tenants.models import Tenant

pytestmark = pytest.mark.django_db


def standard() -> Policy:
    return Policy.objects.get(name="Standard")


def steps_of(version: object) -> list[tuple[int, str, str]]:
    return [(s.offset_days, s.channel, s.template_key) for s in Step.objects.filter(version=version)]


def test_it_publishes_a_new_version_and_leaves_the_old_one_untouched(tenant: Tenant, actor: Actor) -> None:
    v1 = live_version(standard())
    assert v1 is not None
    before = steps_of(v1)

    draft = services.policy_draft_open(policy=standard(), actor=actor)
    assert (draft.number, draft.status) == (2, VersionStatus.DRAFT)
    assert steps_of(draft) == before
    sms = Step.objects.get(version=draft, offset_days=7, kind="schedule")
    services.step_update(step=sms, actor=actor, **{**_fields(sms), "offset_days": 10})
    services.step_add(
        version=draft,
        actor=actor,
        kind="schedule",
        offset_days=14,
        channel="email",
        template_key="overdue",
        stage="firm",
        segments=["repeatedly-late"],
        min_balance_minor=50_00,
        min_debt_age_days=None,
        max_debt_age_days=None,
    )
    services.version_publish(version=draft, actor=actor)

    v1.refresh_from_db()
    draft.refresh_from_db()
    assert v1.status == VersionStatus.RETIRED
    assert steps_of(v1) == before
    assert draft.status == VersionStatus.PUBLISHED
    assert draft.published_by_label == actor.label
    assert live_version(standard()) == draft
    assert (10, "sms", "overdue-sms") in steps_of(draft)
    assert AuditEvent.objects.filter(action="policy.published", object_id=str(draft.pk)).exists()


def test_it_refuses_to_edit_a_published_version(tenant: Tenant, actor: Actor) -> None:
    v1 = live_version(standard())
    assert v1 is not None
    step = v1.steps.first()
    assert step is not None
    with pytest.raises(DomainError, match="cannot change: edit the draft instead"):
        services.step_remove(step=step, actor=actor)
    with pytest.raises(DomainError, match="cannot change"):
        services.version_publish(version=v1, actor=actor)


def test_it_reorders_and_removes_steps_in_a_draft(tenant: Tenant, actor: Actor) -> None:
    draft = services.policy_draft_open(policy=standard(), actor=actor)
    second = draft.steps.get(position=2)
    services.step_move(step=second, direction=-1, actor=actor)
    assert draft.steps.get(position=1).pk == second.pk
    services.step_remove(step=second, actor=actor)
    assert list(draft.steps.values_list("position", flat=True)) == list(range(1, 8))


def test_it_refuses_to_publish_a_version_whose_template_breaks_a_rule(tenant: Tenant, actor: Actor) -> None:
    draft = services.policy_draft_open(policy=standard(), actor=actor)
    # A template changed behind the validators' back (e.g. an old row): publishing checks again.
    MessageTemplate.objects.filter(key="overdue", channel="email", locale="fr").update(body="Payez {{ total }}.")
    with pytest.raises(DomainError, match=r"“overdue” \(email, fr\): An email must offer a way to opt out"):
        services.version_publish(version=draft, actor=actor)
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT


def test_it_refuses_a_step_whose_template_does_not_exist(tenant: Tenant, actor: Actor) -> None:
    draft = services.policy_draft_open(policy=standard(), actor=actor)
    with pytest.raises(DomainError, match="There is no sms template “first-letter”"):
        services.step_add(
            version=draft,
            actor=actor,
            kind="schedule",
            offset_days=3,
            channel="sms",
            template_key="first-letter",
            stage="friendly",
        )


def _fields(step: Step) -> dict[str, object]:
    return {f: getattr(step, f) for f in services.STEP_FIELDS}
