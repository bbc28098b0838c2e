"""A small live policy the engine tests run against (priority 1, so it wins over any installed default)."""

from __future__ import annotations

from typing import Any

import pytest

from apps.policies.models import Policy, PolicyVersion, Step, VersionStatus
from apps.tenants.models import Tenant

STEPS = [
    # (offset, channel, template key, stage)
    (-3, "email", "engine-reminder", "friendly"),
    (1, "email", "engine-overdue", "friendly"),
    (7, "sms", "engine-nudge", "friendly"),
    (30, "letter", "engine-letter", "firm"),
    (60, "letter", "engine-final", "final"),
]


def policy_make(steps: list[tuple[int, str, str, str]], *, name: str = "Engine test", **extra: Any) -> PolicyVersion:
    policy = Policy.objects.create(name=name, priority=1, **extra)
    version = PolicyVersion.objects.create(policy=policy, number=1, status=VersionStatus.PUBLISHED)
    for position, (offset, channel, key, stage) in enumerate(steps, start=1):
        Step.objects.create(
            version=version, position=position, offset_days=offset, channel=channel, template_key=key, stage=stage
        )
    return version


@pytest.fixture
def live_version(tenant: Tenant) -> PolicyVersion:
    return policy_make(STEPS)
