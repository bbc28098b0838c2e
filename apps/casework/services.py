"""Every write to cases. Cases are opened by the portal, the engine and payments, and resolved by staff."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import Actor, audit_record
from apps.casework.models import Case, CaseAttachment, CaseKind, CaseStatus, Priority
from apps.casework.selectors import case_paused_debts
from apps.casework.uploads import CheckedUpload
from apps.core.errors import DomainError
from apps.debtors.models import Debtor
from apps.debts.models import Debt
from apps.debts.services import debt_resume

# How long a person has to answer, by kind; the debtor is told this date.
REPLY_WITHIN: dict[str, dt.timedelta] = {
    CaseKind.DISPUTE: dt.timedelta(days=5),
    CaseKind.CHARGEBACK: dt.timedelta(days=3),
    CaseKind.CALLBACK: dt.timedelta(days=0),  # the callback's own time is given
}
DEFAULT_REPLY_WITHIN = dt.timedelta(days=2)
HIGH_PRIORITY = frozenset({CaseKind.DISPUTE, CaseKind.CHARGEBACK, CaseKind.HARDSHIP, CaseKind.NOT_ME})


def case_reply_by(kind: str, now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) + REPLY_WITHIN.get(kind, DEFAULT_REPLY_WITHIN)


def case_open(
    *,
    kind: str,
    debtor: Debtor,
    subject: str,
    actor: Actor,
    debt: Debt | None = None,
    details: str = "",
    data: dict[str, Any] | None = None,
    reply_by: dt.datetime | None = None,
    priority: int | None = None,
) -> Case:
    if kind not in CaseKind.values:
        raise DomainError(_("Unknown case kind “%(kind)s”.") % {"kind": kind})
    if debt is not None and debt.debtor_id != debtor.pk:
        raise DomainError(_("This debt belongs to another debtor."))
    with transaction.atomic():
        case = Case.objects.create(
            kind=kind,
            debtor=debtor,
            debt=debt,
            subject=subject[:200],
            details=details,
            data=data or {},
            reply_by=reply_by or case_reply_by(kind),
            priority=priority or (Priority.HIGH if kind in HIGH_PRIORITY else Priority.NORMAL),
            opened_by_label=actor.label,
        )
        audit_record(
            actor=actor,
            action="case.opened",
            obj=case,
            after={"kind": kind, "debt": debt.pk if debt else None, "reply_by": case.reply_by},
            reason=details[:500],
        )
    return case


def case_resolve(*, case: Case, resolution: str, actor: Actor) -> Case:
    if not resolution.strip():
        raise DomainError(_("Say how the case was resolved."), field="resolution")
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.status == CaseStatus.RESOLVED:
            raise DomainError(_("This case is already resolved."))
        locked.status = CaseStatus.RESOLVED
        locked.resolution = resolution.strip()
        locked.resolved_at = timezone.now()
        locked.save(update_fields=["status", "resolution", "resolved_at", "updated_at"])
        audit_record(
            actor=actor,
            action="case.resolved",
            obj=locked,
            before={"status": CaseStatus.OPEN},
            after={"status": CaseStatus.RESOLVED},
            reason=resolution,
        )
    return locked


def case_paused_record(*, case: Case, debts: list[Debt]) -> Case:
    """Remember which debts this case paused, so that resolving it can offer to resume exactly those. The pauses
    themselves are audited on each debt by the debts services."""
    ids = list(dict.fromkeys([*case.paused_debt_ids, *(d.pk for d in debts)]))
    if ids != case.paused_debt_ids:
        case.paused_debt_ids = ids
        case.save(update_fields=["paused_debt_ids", "updated_at"])
    return case


def case_follow_up(*, case: Case, details: str, data: dict[str, Any] | None, actor: Actor) -> Case:
    """The debtor wrote again about an open case: keep what is new next to the first request, once."""
    details = details.strip()
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        follow_ups = list(locked.data.get("follow_ups", []))
        said = {locked.details.strip(), *(str(f.get("details", "")).strip() for f in follow_ups)}
        extra = {k: v for k, v in (data or {}).items() if locked.data.get(k) != v}
        if (not details or details in said) and not extra:
            return locked
        entry: dict[str, Any] = {"at": timezone.now().isoformat(), "details": details if details not in said else ""}
        if extra:
            entry["data"] = extra
        locked.data = {**locked.data, "follow_ups": [*follow_ups, entry]}
        locked.save(update_fields=["data", "updated_at"])
        audit_record(actor=actor, action="case.follow_up", obj=locked, after=entry, reason=details[:500])
    return locked


def case_attach(*, case: Case, upload: CheckedUpload, actor: Actor) -> CaseAttachment | None:
    """Store a checked document with the case; None when the same content is already on it (a second click)."""
    with transaction.atomic():
        if CaseAttachment.objects.filter(case=case, sha256=upload.sha256).exists():
            return None
        attachment = CaseAttachment(
            case=case,
            original_name=upload.name,
            content_type=upload.content_type,
            size=upload.size,
            sha256=upload.sha256,
        )
        # The stored name comes from upload_to (random); the debtor's name is kept in original_name only.
        attachment.file.save(upload.name, upload.file, save=False)
        try:
            attachment.save()
            audit_record(
                actor=actor,
                action="case.attachment_added",
                obj=case,
                after={
                    "attachment": attachment.pk,
                    "name": upload.name,
                    "type": upload.content_type,
                    "size": upload.size,
                },
            )
        except Exception:
            attachment.file.delete(save=False)
            raise
    return attachment


def case_assign(*, case: Case, user: Any, actor: Actor) -> Case:
    """Give an open case to a staff user (None: to nobody)."""
    with transaction.atomic():
        locked = Case.objects.select_for_update(of=("self",)).select_related("assigned_to").get(pk=case.pk)
        if locked.status == CaseStatus.RESOLVED:
            raise DomainError(_("This case is already resolved."))
        if locked.assigned_to_id == (user.pk if user is not None else None):
            return locked
        before = locked.assigned_to.email if locked.assigned_to is not None else None
        locked.assigned_to = user
        locked.save(update_fields=["assigned_to", "updated_at"])
        audit_record(
            actor=actor,
            action="case.assigned",
            obj=locked,
            before={"assigned_to": before},
            after={"assigned_to": user.email if user is not None else None},
        )
    return locked


@dataclasses.dataclass(frozen=True)
class Resolution:
    case: Case
    resumed: list[Debt]
    held_elsewhere: list[tuple[Debt, Case]]


def case_resolve_and_resume(*, case: Case, resolution: str, resume: bool, actor: Actor) -> Resolution:
    """Resolve a case and, when asked, resume collection of the debts it paused (E5) — except a debt another open
    case still pauses: that one stays paused until its own case is resolved."""
    with transaction.atomic():
        resolved = case_resolve(case=case, resolution=resolution, actor=actor)
        if not resume:
            return Resolution(resolved, [], [])
        paused = case_paused_debts(resolved, lock=True)
        resumed = [debt_resume(debt=debt, actor=actor, reason=resolution.strip()) for debt in paused.resumable]
    return Resolution(resolved, resumed, paused.held_elsewhere)
