"""Calls made from a case (C4). A call first passes the contact gate (its answer is recorded like every other);
a refused call writes nothing else. An allowed call records the attempt the gate's caps count, a call log with the
outcome and a dated note, the reason for non-payment, the agreement reached (through the arrangements service, so
the margins decide whether it is active at once or waits for a manager), and the follow-up.

Calls are logged on open and resolved cases alike (a call after a dispute is answered belongs with the dispute).
Follow-ups: a case still open after the call waits for the follow-up (its reply_by moves there and the agent holds
it); a resolved case, or one the call closes (a phone step is done once called), hands the follow-up to a follow-up
case of the debtor and debt, the one already open if there is one."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.arrangements.models import Arrangement, ArrangementKind
from apps.arrangements.services import ARRANGEABLE, arrangement_request
from apps.audit.services import Actor, audit_record
from apps.casework.models import CallLog, Case, CaseKind, CaseStatus
from apps.casework.selectors import tenant_local
from apps.casework.services import (
    CaseTaken,
    _staff_language,
    case_claim,
    case_open,
    case_reschedule,
)
from apps.contact.gate import (
    ContactRequest,
    Verdict,
    contact_attempt_record,
    contact_hours,
    gate_check_many,
    gate_decide,
)
from apps.contact.models import CallOutcome, ContactAttempt
from apps.core.errors import DomainError
from apps.debtors.models import ContactKind, ContactPoint, NonPaymentReason, ReasonSource
from apps.debtors.services import reason_record
from apps.debts.models import Debt
from apps.outbox.models import Message, MessageStatus, Source
from apps.outbox.services import call_gate_decide, contact_point_mark_invalid, phone_task_done
from apps.policies.models import Channel

NOTE_MAX = 4000
# A follow-up is booked from a few minutes to two months ahead.
FOLLOW_UP_EARLIEST = dt.timedelta(minutes=5)
FOLLOW_UP_LATEST = dt.timedelta(days=60)
WRONG_NUMBER_NOTE = "wrong number (call)"


class CallRefused(DomainError):
    """The contact gate refused the call now: why, and from when it is allowed (if ever)."""

    def __init__(self, verdict: Verdict) -> None:
        self.verdict = verdict
        super().__init__(refusal_text(verdict), code="call_refused")


def refusal_text(verdict: Verdict) -> str:
    text = _("The contact rules do not allow this call now: %(detail)s") % {"detail": verdict.detail or verdict.rule}
    if verdict.defer_until is not None:
        text += " " + _("It is allowed from %(when)s.") % {"when": tenant_local(verdict.defer_until)}
    else:
        text += " " + _("Waiting will not change this: what the rule names has to change first.")
    return text


@dataclasses.dataclass(frozen=True)
class Agreement:
    """What the debtor agreed to on the call; the arrangements service checks it against the margins."""

    kind: str
    debt: Debt
    pay_by: dt.date | None = None
    down_payment_minor: int | None = None
    instalment_count: int | None = None
    frequency: str = ""
    discount_pct: int | None = None


@dataclasses.dataclass(frozen=True)
class CallResult:
    call: CallLog
    arrangement: Arrangement | None
    follow_up_case: Case | None
    # The call closed the case (a phone step is done once the call is made).
    case_closed: bool


def open_phone_task(case: Case) -> Message | None:
    """The phone task behind a phone-step case, while it waits for its call."""
    if case.kind != CaseKind.PHONE_STEP or not case.data.get("message"):
        return None
    return Message.objects.filter(
        pk=case.data["message"], channel=Channel.PHONE, status=MessageStatus.SENT, debtor_id=case.debtor_id
    ).first()


def arrangeable_debts(case: Case) -> list[Debt]:
    """The debtor's debts an agreement can be made for on a call, the case's own first."""
    debts = Debt.objects.filter(debtor_id=case.debtor_id, status__in=ARRANGEABLE).with_balance()
    return sorted(debts, key=lambda d: (d.pk != case.debt_id, d.due_date, d.external_ref))


def phone_points(case: Case) -> list[ContactPoint]:
    """The debtor's numbers, usable ones first, the phone task's own number first of all."""
    points = list(ContactPoint.objects.filter(debtor_id=case.debtor_id, kind=ContactKind.PHONE))
    task_point = str(case.data.get("phone", ""))
    return sorted(points, key=lambda p: (p.value != task_point, not p.is_usable, not p.is_primary, p.created_at))


def _request(case: Case, point: ContactPoint | None, at: dt.datetime, actor_label: str, debts: list[Debt]) -> Any:
    return ContactRequest(
        debtor=case.debtor,
        channel=Channel.PHONE,
        at=at,
        debts=tuple(debts),
        contact_point=point,
        source=Source.MANUAL,
        actor_label=actor_label,
        # US2: a call the debtor asked for (in the portal, with consent) is exempt from the cooldown.
        consented_callback=case.kind == CaseKind.CALLBACK and bool(case.data.get("consented_callback")),
    )


def _call_debts(case: Case, agreement: Agreement | None) -> list[Debt]:
    debts = [d for d in (case.debt, agreement.debt if agreement else None) if d is not None]
    return list({d.pk: d for d in debts}.values())


def call_gate_preview(case: Case, points: list[ContactPoint], *, at: dt.datetime | None = None) -> dict[Any, Verdict]:
    """What the gate would answer now for each number (read only: nothing is recorded until the call is logged)."""
    at = at or timezone.now()
    debts = _call_debts(case, None)
    verdicts = gate_check_many([_request(case, p, at, "call preview", debts) for p in points])
    return {p.pk: v for p, v in zip(points, verdicts, strict=True)}


def _check(
    *,
    case: Case,
    contact_point: ContactPoint,
    outcome: str,
    note: str,
    reason: str,
    follow_up_at: dt.datetime | None,
    agreement: Agreement | None,
    at: dt.datetime,
) -> None:
    """Refuse bad input before anything is asked or written."""
    if outcome not in CallOutcome.values:
        raise DomainError(_("Choose how the call went."), field="outcome")
    if contact_point.debtor_id != case.debtor_id or contact_point.kind != ContactKind.PHONE:
        raise DomainError(_("Choose one of the debtor's phone numbers."), field="contact_point")
    if len(note) > NOTE_MAX:
        raise DomainError(_("A note is at most %(n)d characters.") % {"n": NOTE_MAX}, field="note")
    if reason and reason not in NonPaymentReason.values:
        raise DomainError(_("Choose a reason for non-payment from the list."), field="reason")
    if reason and outcome != CallOutcome.CONVERSATION:
        raise DomainError(
            _("A reason for non-payment is what the debtor said: choose “Conversation” as the outcome."),
            field="reason",
        )
    if agreement is not None:
        if outcome != CallOutcome.CONVERSATION:
            raise DomainError(
                _("An agreement needs a conversation with the debtor: choose “Conversation” as the outcome."),
                field="agreement",
            )
        if agreement.kind not in ArrangementKind.values:
            raise DomainError(_("Choose a promise, a plan or a settlement."), field="agreement")
        if agreement.debt.debtor_id != case.debtor_id:
            raise DomainError(_("This debt belongs to another debtor."), field="agreement_debt")
    if follow_up_at is not None:
        if follow_up_at < at + FOLLOW_UP_EARLIEST:
            raise DomainError(_("Choose a follow-up time in the future."), field="follow_up")
        if follow_up_at > at + FOLLOW_UP_LATEST:
            raise DomainError(_("Choose a follow-up within the next 60 days."), field="follow_up")
        hours = contact_hours(case.debtor)
        if hours.blocked(follow_up_at):
            opens = hours.next_open(follow_up_at)
            text = _("At that time the debtor may not be called (outside their contact hours).")
            if opens is not None:
                text += " " + _("The next allowed time is %(when)s.") % {"when": tenant_local(opens)}
            raise DomainError(text, field="follow_up")


def _follow_up(*, case: Case, call: CallLog, at: dt.datetime, agent: Any, actor: Actor) -> Case:
    reason = _("Follow-up agreed on the call of %(when)s") % {"when": tenant_local(call.called_at)}
    if case.status == CaseStatus.OPEN:
        # A colleague holding the case keeps it, follow-up included.
        with contextlib.suppress(CaseTaken):
            case_claim(case=case, user=agent, actor=actor)
        return case_reschedule(case=case, reply_by=at, actor=actor, reason=reason)
    waiting = (
        Case.objects.open()
        .filter(kind=CaseKind.FOLLOW_UP, debtor_id=case.debtor_id, debt=case.debt)
        .order_by("created_at")
        .first()
    )
    if waiting is not None:
        return case_reschedule(case=waiting, reply_by=at, actor=actor, reason=reason)
    with _staff_language():
        subject = _("Call %(name)s back") % {"name": case.debtor.name}
    follow_up = case_open(
        kind=CaseKind.FOLLOW_UP,
        debtor=case.debtor,
        debt=case.debt,
        subject=subject,
        actor=actor,
        details=call.note,
        data={"call": str(call.pk), "from_case": str(case.pk)},
        reply_by=at,
    )
    return case_claim(case=follow_up, user=agent, actor=actor)


def call_log(
    *,
    case: Case,
    agent: Any,
    contact_point: ContactPoint,
    outcome: str,
    actor: Actor,
    note: str = "",
    reason: str = "",
    follow_up_at: dt.datetime | None = None,
    agreement: Agreement | None = None,
) -> CallResult:
    """Log a call an agent makes from a case. Raises CallRefused (the gate's answer recorded, nothing else) or
    DomainError (nothing written at all)."""
    note = note.strip()
    at = timezone.now()
    _check(
        case=case,
        contact_point=contact_point,
        outcome=outcome,
        note=note,
        reason=reason,
        follow_up_at=follow_up_at,
        agreement=agreement,
        at=at,
    )
    task = open_phone_task(case)
    if task is not None and task.contact_point_id != contact_point.pk:
        # Another number than the task's: an ordinary call (its attempt counts for that number); the phone task and
        # its case stay open until the task's own number is called or the case is resolved.
        task = None
    if task is not None:
        verdict = call_gate_decide(message=task, at=at, actor_label=actor.label)
    else:
        verdict = gate_decide(_request(case, contact_point, at, actor.label, _call_debts(case, agreement)))
    if not verdict.allowed:
        raise CallRefused(verdict)

    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        was_open = locked.status == CaseStatus.OPEN
        if task is not None:
            task = Message.objects.select_for_update().filter(pk=task.pk, status=MessageStatus.SENT).first()
        attempt: ContactAttempt | None = None
        if task is not None:
            # The phone task's own path: the attempt, the task done (its case resolved), a wrong number flagged.
            phone_task_done(message=task, outcome=outcome, actor=actor)
            attempt = ContactAttempt.objects.filter(message=task).order_by("-occurred_at", "-pk").first()
        if attempt is None:
            attempt = contact_attempt_record(
                debtor=case.debtor,
                debt=case.debt,
                channel=Channel.PHONE,
                occurred_at=at,
                call_outcome=outcome,
                source=Source.MANUAL,
                actor_label=actor.label,
            )
            if outcome == CallOutcome.WRONG_NUMBER:
                contact_point_mark_invalid(contact_point=contact_point, note=WRONG_NUMBER_NOTE, actor=actor)
        record = None
        if reason:
            record = reason_record(
                debtor=case.debtor, reason=reason, source=ReasonSource.CALL, actor=actor, debt=case.debt, note=note
            )
        arrangement = None
        if agreement is not None:
            arrangement = arrangement_request(
                debt=agreement.debt,
                kind=agreement.kind,
                actor=actor,
                discount_pct=agreement.discount_pct,
                down_payment_minor=agreement.down_payment_minor,
                instalment_count=agreement.instalment_count,
                frequency=agreement.frequency,
                pay_by=agreement.pay_by,
                note=note[:2000],
            )
        call = CallLog.objects.create(
            case=case,
            debtor=case.debtor,
            debt=case.debt,
            agent=agent,
            agent_label=actor.label,
            called_at=at,
            contact_point=contact_point,
            number=contact_point.value[:40],
            outcome=outcome,
            note=note,
            reason=reason,
            reason_record=record,
            arrangement=arrangement,
            follow_up_at=follow_up_at,
            contact_attempt=attempt,
            message=task,
        )
        locked.refresh_from_db()
        follow_up_case = None
        if follow_up_at is not None:
            follow_up_case = _follow_up(case=locked, call=call, at=follow_up_at, agent=agent, actor=actor)
            call.follow_up_case = follow_up_case
            call.save(update_fields=["follow_up_case"])
        audit_record(
            actor=actor,
            action="case.call_logged",
            obj=case,
            after={
                "call": str(call.pk),
                "outcome": outcome,
                "number": call.number,
                "reason": reason or None,
                "arrangement": str(arrangement.pk) if arrangement else None,
                "follow_up_at": follow_up_at,
            },
            reason=note[:500],
        )
    return CallResult(call, arrangement, follow_up_case, was_open and locked.status == CaseStatus.RESOLVED)
