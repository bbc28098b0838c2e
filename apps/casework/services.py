"""Every write to cases. Cases are opened by the portal, the engine, the outbox and payments; staff take them (one
person at a time), write notes on them and resolve them. Calls made from a case are in `apps.casework.calls`."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.audit.services import Actor, audit_record
from apps.casework.models import Case, CaseAttachment, CaseKind, CaseNote, CaseStatus, Priority
from apps.casework.selectors import case_paused_debts
from apps.casework.uploads import CheckedUpload
from apps.contact.models import CallOutcome
from apps.core.errors import DomainError
from apps.core.tenancy import current_tenant
from apps.debtors.models import ContactPoint, Debtor
from apps.debts.models import Debt
from apps.debts.services import debt_resume
from apps.outbox.models import Message

# How long a person has to answer, by kind; the debtor is told this date.
REPLY_WITHIN: dict[str, dt.timedelta] = {
    CaseKind.DISPUTE: dt.timedelta(days=5),
    CaseKind.CHARGEBACK: dt.timedelta(days=3),
    CaseKind.CALLBACK: dt.timedelta(days=0),  # the callback's own time is given
    # A phone step is due the day the engine asked for it; a follow-up's own time is given.
    CaseKind.PHONE_STEP: dt.timedelta(days=1),
    CaseKind.FOLLOW_UP: dt.timedelta(days=0),
}
DEFAULT_REPLY_WITHIN = dt.timedelta(days=2)
HIGH_PRIORITY = frozenset({CaseKind.DISPUTE, CaseKind.CHARGEBACK, CaseKind.HARDSHIP, CaseKind.NOT_ME})
NOTE_MAX = 4000


class CaseTaken(DomainError):
    """Someone else holds the case (a colleague claimed it first)."""


@contextmanager
def _staff_language() -> Iterator[None]:
    """Subjects and resolutions written by the system are read by staff: in the tenant's language."""
    with translation.override(str(getattr(current_tenant(), "default_locale", "") or "en")):
        yield


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


def _holder_name(case: Case) -> str:
    return case.assigned_to.display_name if case.assigned_to is not None else ""


class _Anyone:
    """`expected` left out: whoever holds the case."""


ANYONE = _Anyone()


def case_assign(*, case: Case, user: Any, actor: Actor, expected: Any = ANYONE) -> Case:
    """Give an open case to a staff user (None: to nobody), if it is still held by `expected` (the holder the person
    saw on the page; ANYONE: whoever holds it). The row is locked first, so of two people changing the same case at
    once the second waits, then sees the first one's change, and is told who holds the case now."""
    target = user.pk if user is not None else None
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.status == CaseStatus.RESOLVED:
            raise DomainError(_("This case is already resolved."))
        if locked.assigned_to_id == target:
            return locked
        if not isinstance(expected, _Anyone) and locked.assigned_to_id != (expected.pk if expected else None):
            if locked.assigned_to is None:
                raise CaseTaken(_("Nobody holds this case any more; reload the page and try again."))
            raise CaseTaken(
                _("%(name)s has this case: ask them, or a manager, to hand it over.") % {"name": _holder_name(locked)}
            )
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


def case_claim(*, case: Case, user: Any, actor: Actor) -> Case:
    """An agent takes an open case nobody holds. Two agents claiming the same case at once: exactly one gets it,
    the other gets a CaseTaken naming who has it (see `case_assign`). Claiming one's own case changes nothing."""
    return case_assign(case=case, user=user, actor=actor, expected=None)


def case_note_add(*, case: Case, author: Any, body: str, actor: Actor) -> CaseNote:
    """A dated note on a case (open or resolved: a late finding still belongs with the case)."""
    body = body.strip()
    if not body:
        raise DomainError(_("Write the note first."), field="body")
    if len(body) > NOTE_MAX:
        raise DomainError(_("A note is at most %(n)d characters.") % {"n": NOTE_MAX}, field="body")
    with transaction.atomic():
        note = CaseNote.objects.create(case=case, author=author, author_label=actor.label, body=body)
        audit_record(actor=actor, action="case.note_added", obj=case, after={"note": note.pk}, reason=body[:500])
    return note


def case_reschedule(*, case: Case, reply_by: dt.datetime, actor: Actor, reason: str = "") -> Case:
    """Move an open case's due time (a follow-up agreed with the debtor on a call)."""
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.status == CaseStatus.RESOLVED:
            raise DomainError(_("This case is already resolved."))
        if locked.reply_by == reply_by:
            return locked
        before = locked.reply_by
        locked.reply_by = reply_by
        locked.save(update_fields=["reply_by", "updated_at"])
        audit_record(
            actor=actor,
            action="case.rescheduled",
            obj=locked,
            before={"reply_by": before},
            after={"reply_by": reply_by},
            reason=reason,
        )
    return locked


# Cases the outbox opens: phone steps and contact points to fix (C1) -----------------------------------------------


def phone_step_case(message: Message) -> Case | None:
    return Case.objects.filter(kind=CaseKind.PHONE_STEP, data__message=str(message.pk)).first()


def phone_step_case_open(*, message: Message, actor: Actor) -> Case:
    """A phone step's task reached the agents' phone-task list: the same task is a case in the worklist, once per
    task (a redelivery, or two workers, find the first)."""
    existing = phone_step_case(message)
    if existing is not None:
        return existing
    debt = message.debts.order_by("due_date", "pk").first()
    with _staff_language():
        subject = _("Call %(name)s") % {"name": message.debtor.name}
        if debt is not None:
            subject = _("Call %(name)s about invoice %(ref)s") % {"name": message.debtor.name, "ref": debt.external_ref}
    data = {"message": str(message.pk), "phone": message.to_address}
    try:
        with transaction.atomic():
            return case_open(
                kind=CaseKind.PHONE_STEP,
                debtor=message.debtor,
                debt=debt,
                subject=subject,
                actor=actor,
                details=message.body,
                data=data,
            )
    except IntegrityError:
        return Case.objects.get(kind=CaseKind.PHONE_STEP, data__message=str(message.pk))


def phone_step_case_close(*, message: Message, outcome: str, actor: Actor) -> Case | None:
    """The phone task is done (the call was made): its case is resolved with the call's outcome."""
    case = phone_step_case(message)
    if case is None or case.status != CaseStatus.OPEN:
        return case
    with _staff_language():
        label = CallOutcome(outcome).label if outcome in CallOutcome.values else outcome
        resolution = _("Call made: %(outcome)s.") % {"outcome": label}
    return case_resolve(case=case, resolution=resolution, actor=actor)


def contact_fix_case_open(*, contact_point: ContactPoint, note: str, actor: Actor) -> Case:
    """A contact point was flagged invalid (a bounce, an undeliverable or wrong number): someone must find the right
    one. One open case per contact point; a second problem while it is open joins it."""
    point = ContactPoint.objects.select_related("debtor").get(pk=contact_point.pk)
    key = str(point.pk)
    existing = Case.objects.open().filter(kind=CaseKind.CONTACT_FIX, data__contact_point=key).first()
    if existing is not None:
        return case_follow_up(case=existing, details=note, data=None, actor=actor)
    with _staff_language():
        subject = _("Fix %(kind)s of %(name)s: %(value)s") % {
            "kind": point.get_kind_display().lower(),
            "name": point.debtor.name,
            "value": point.value,
        }
    try:
        with transaction.atomic():
            return case_open(
                kind=CaseKind.CONTACT_FIX,
                debtor=point.debtor,
                subject=subject,
                actor=actor,
                details=note,
                data={"contact_point": key, "contact_value": point.value},
            )
    except IntegrityError:
        return Case.objects.open().get(kind=CaseKind.CONTACT_FIX, data__contact_point=key)


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
