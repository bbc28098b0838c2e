"""R2 preview: the next days of a policy under a version, computed by the daily run's own due-step query.

Each simulated day passes the steps the earlier days acted on to the query, so day N+1 sees what day N "sent".
Nothing is written: no gate decision, no message, no remembered step, no experiment arm. While an experiment runs
on the policy, its debtors follow their arm's version on both sides (publishing a draft does not move them), and
their arm is shown.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from apps.core.dates import tenant_today
from apps.debtors.models import Debtor
from apps.debts.models import Debt
from apps.engine.due import DoneStep, DueMessage, due_steps
from apps.experiments.models import Arm
from apps.policies.models import Channel, PolicyVersion, Stage, VersionStatus


@dataclass(frozen=True)
class PreviewRow:
    day: dt.date
    debtor: Debtor
    debts: list[Debt]
    offset_days: int
    kind: str
    stage: str
    channel: str
    template_key: str
    arm: Arm | None = None

    @property
    def stage_label(self) -> str:
        return str(Stage(self.stage).label)

    @property
    def channel_label(self) -> str:
        return str(Channel(self.channel).label)


@dataclass
class PreviewSide:
    version: PolicyVersion | None
    rows: list[PreviewRow] = field(default_factory=list)

    def count_on(self, day: dt.date) -> int:
        return sum(1 for row in self.rows if row.day == day)


@dataclass(frozen=True)
class PreviewDay:
    day: dt.date
    draft: int
    live: int


@dataclass(frozen=True)
class Preview:
    days: list[PreviewDay]
    draft: PreviewSide
    live: PreviewSide

    @property
    def has_arms(self) -> bool:
        return any(row.arm is not None for side in (self.draft, self.live) for row in side.rows)


def _simulate(version: PolicyVersion, days: list[dt.date]) -> list[tuple[dt.date, DueMessage]]:
    """The messages the policy's debtors would get on each day with `version` live, each day seeing the ones
    before (debtors in a running experiment follow their arm)."""
    found: list[tuple[dt.date, DueMessage]] = []
    acted: list[DoneStep] = []
    for day in days:
        due = due_steps(today=day, override_version=(version.policy_id, version.pk), simulated=acted)
        found.extend((day, m) for m in due.messages if m.policy_id == version.policy_id)
        acted.extend(d for m in due.messages for d in m.done)
    return found


def _side(version: PolicyVersion | None, days: list[dt.date]) -> tuple[PreviewSide, list[tuple[dt.date, DueMessage]]]:
    if version is None:
        return PreviewSide(version=None), []
    return PreviewSide(version=version), _simulate(version, days)


def preview(version: PolicyVersion, *, days: int = 30, start: dt.date | None = None) -> Preview:
    """Which debtors would get which step on which day under `version` and under its policy's live version."""
    start = start or tenant_today()
    dates = [start + dt.timedelta(days=n) for n in range(days)]
    live_version = PolicyVersion.objects.filter(policy_id=version.policy_id, status=VersionStatus.PUBLISHED).first()
    draft, draft_found = _side(version, dates)
    live, live_found = _side(live_version, dates)
    debtor_ids: set[uuid.UUID] = set()
    debt_ids: set[uuid.UUID] = set()
    for _, m in [*draft_found, *live_found]:
        debtor_ids.add(m.debtor_id)
        debt_ids.update(m.debt_ids)
    debtors = Debtor.objects.in_bulk(debtor_ids)
    debts = Debt.objects.in_bulk(debt_ids)
    arms = Arm.objects.in_bulk({m.arm_id for _, m in [*draft_found, *live_found] if m.arm_id is not None})
    for side, found in ((draft, draft_found), (live, live_found)):
        side.rows = [
            PreviewRow(
                day=day,
                debtor=debtors[m.debtor_id],
                debts=[debts[i] for i in m.debt_ids],
                offset_days=m.offset_days,
                kind=m.kind,
                stage=m.stage,
                channel=m.channel,
                template_key=m.template_key,
                arm=arms[m.arm_id] if m.arm_id is not None else None,
            )
            for day, m in found
        ]
    return Preview(
        days=[PreviewDay(day=d, draft=draft.count_on(d), live=live.count_on(d)) for d in dates],
        draft=draft,
        live=live,
    )
