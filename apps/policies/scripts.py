"""C3 call scripts: which script a call gets (the debt's stage, the debtor's segment and language, with fallbacks),
rendered with the debtor's figures for display beside the call form."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from apps.core.dates import tenant_today
from apps.core.tenancy import current_tenant
from apps.debtors.models import Debtor
from apps.debts.models import ACTIVE_STATUSES, Debt
from apps.policies.models import ANY_SEGMENT, CallScript, Stage
from apps.policies.rendering import DebtAmounts, debt_amounts, render_script, sample_amounts
from apps.policies.selectors import contact_rules_get
from apps.policies.validation import SCRIPT_FIELDS

BULLET_RE = re.compile(r"^\s*(?:[-*•–]|\d+[.)])\s+")


def debt_stage(debt: Debt) -> str:
    """The stage of the last policy step the engine acted on for `debt`; friendly before any."""
    return debts_stage([debt])


def debts_stage(debts: list[Debt]) -> str:
    from apps.engine.models import StepDone

    stage = (
        StepDone.objects.filter(debt__in=[d.pk for d in debts])
        .order_by("-run__run_date", "-id")
        .values_list("step__stage", flat=True)
        .first()
    )
    return stage if stage in Stage.values else Stage.FRIENDLY


def _lookups(segment: str, locale: str, tenant_locale: str) -> list[tuple[str, str]]:
    """The (segment, language) pairs to try, best first: the segment's script, any segment's, then the same two in
    the tenant's language and in English."""
    pairs: list[tuple[str, str]] = []
    for lang in dict.fromkeys(lang for lang in (locale, tenant_locale, "en") if lang):
        for seg in dict.fromkeys((segment, ANY_SEGMENT)):
            pairs.append((seg, lang))
    return pairs


def call_script_pick(*, stage: str, segment: str, locale: str, tenant_locale: str) -> CallScript | None:
    pairs = _lookups(segment, locale, tenant_locale)
    found = {
        (s.segment, s.locale): s
        for s in CallScript.objects.filter(
            stage=stage, segment__in={p[0] for p in pairs}, locale__in={p[1] for p in pairs}
        )
    }
    return next((found[pair] for pair in pairs if pair in found), None)


def _lines(text: str) -> list[str]:
    return [BULLET_RE.sub("", line).strip() for line in text.splitlines() if line.strip()]


@dataclasses.dataclass(frozen=True)
class ShownScript:
    """A call script as the agent reads it: texts rendered, points and questions as lists."""

    script: CallScript | None
    stage: str
    segment: str
    locale: str
    goal: str = ""
    talking_points: tuple[str, ...] = ()
    open_questions: tuple[str, ...] = ()
    voicemail: str = ""
    disclosures: tuple[str, ...] = ()
    recording_notice: str = ""

    @property
    def stage_label(self) -> str:
        return str(Stage(self.stage).label)

    @property
    def other_segment(self) -> bool:
        """The debtor's segment has no script of its own: the one for any segment is shown."""
        return self.script is not None and self.script.segment != self.segment

    @property
    def other_language(self) -> bool:
        return self.script is not None and self.script.locale != self.locale


def _shown(
    script: CallScript | None,
    *,
    stage: str,
    segment: str,
    locale: str,
    debtor_name: str,
    debtor_reference: str,
    amounts: list[DebtAmounts],
    tenant: Any,
    calls_recorded: bool,
) -> ShownScript:
    if script is None:
        return ShownScript(None, stage, segment, locale)
    texts = render_script(
        fields={name: getattr(script, name) for name in SCRIPT_FIELDS},
        locale=script.locale,
        debtor_name=debtor_name,
        debtor_reference=debtor_reference,
        amounts=amounts,
        tenant=tenant,
        today=tenant_today(),
    )
    return ShownScript(
        script=script,
        stage=stage,
        segment=segment,
        locale=locale,
        goal=texts["goal"],
        talking_points=tuple(_lines(texts["talking_points"])),
        open_questions=tuple(_lines(texts["open_questions"])),
        voicemail=texts["voicemail"],
        disclosures=tuple(line.strip() for line in texts["disclosures"].splitlines() if line.strip()),
        recording_notice=texts["recording_notice"] if calls_recorded else "",
    )


def call_script_for(*, debtor: Debtor, debt: Debt | None = None) -> ShownScript:
    """The script for a call to `debtor` about `debt` (or about all their open debts), rendered with their figures."""
    tenant = current_tenant()
    debts = [debt] if debt is not None else list(debtor.debts.filter(status__in=ACTIVE_STATUSES))
    stage = debts_stage(debts) if debts else Stage.FRIENDLY
    tenant_locale = str(getattr(tenant, "default_locale", "") or "en")
    locale = debtor.preferred_language or tenant_locale
    script = call_script_pick(stage=stage, segment=debtor.segment, locale=locale, tenant_locale=tenant_locale)
    return _shown(
        script,
        stage=stage,
        segment=debtor.segment,
        locale=locale,
        debtor_name=debtor.name,
        debtor_reference=debtor.external_ref,
        amounts=debt_amounts(debts),
        tenant=tenant,
        calls_recorded=contact_rules_get().calls_recorded,
    )


def call_script_sample(script: CallScript, *, tenant: Any, fields: dict[str, str] | None = None) -> ShownScript:
    """The script (or unsaved `fields` for it) on sample data: what the editor's preview shows."""
    draft = CallScript(
        stage=script.stage,
        segment=script.segment,
        locale=script.locale,
        **{name: (fields or {}).get(name, getattr(script, name)) for name in SCRIPT_FIELDS},
    )
    return _shown(
        draft,
        stage=script.stage,
        segment=script.segment,
        locale=script.locale,
        debtor_name="Alex Martin",
        debtor_reference="C-0001",
        amounts=sample_amounts(getattr(tenant, "currency", "EUR") or "EUR", tenant_today()),
        tenant=tenant,
        # The editor shows the notice whatever the setting, so a manager sees what would be said.
        calls_recorded=True,
    )


def time_barred(debts: list[Debt]) -> list[Debt]:
    """Debts whose limitation period has run out (US15, FR8, PL5): no legal threat, on a call either."""
    today = tenant_today()
    return [d for d in debts if d.limitation_expires_on is not None and d.limitation_expires_on < today]
