"""What a debtor asks for on the portal's help pages (Q5). Each request opens a case for a person, pauses the
collection it must pause (E5) and is audited under the debtor's portal label. Sending the same request again while
it is open (a double click, a second visit) joins the open case instead of opening another."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from babel.dates import format_date, format_time
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.audit.services import Actor, audit_record
from apps.casework.choices import DisputeReason
from apps.casework.models import Case, CaseKind
from apps.casework.selectors import opted_out_channels
from apps.casework.services import case_attach, case_follow_up, case_open, case_paused_record
from apps.casework.uploads import CheckedUpload
from apps.contact.gate import ContactHours, contact_hours
from apps.contact.models import OptOutSource
from apps.contact.services import opt_out_record, opt_out_revoke
from apps.core.dates import tenant_today
from apps.core.errors import DomainError
from apps.core.tenancy import current_tenant
from apps.debtors.contacts import normalize_phone
from apps.debtors.models import Debtor
from apps.debtors.services import debtor_update
from apps.debts.models import ACTIVE_STATUSES, Debt, DebtStatus, PaymentMethod
from apps.debts.services import debt_dispute, debt_hold
from apps.policies.models import Channel

# The debts the daily run collects: these are the ones a hold pauses. Promised and planned debts are paused already.
HOLDABLE = frozenset({DebtStatus.OPEN, DebtStatus.OVERDUE})
# A callback needs someone ready to call, and is not booked further ahead than a month.
CALLBACK_EARLIEST = dt.timedelta(hours=1)
CALLBACK_LATEST = dt.timedelta(days=30)
PREFERENCE_CHANNELS = (Channel.EMAIL, Channel.SMS, Channel.LETTER, Channel.PHONE)
LANGUAGES = ("en", "fr", "pl")
PREFERENCES_EVIDENCE = "contact preferences in the portal"


@dataclasses.dataclass(frozen=True)
class HelpRequest:
    case: Case
    # False: the same request was already open; what was new in this one joined it.
    created: bool


@contextmanager
def _staff_language() -> Iterator[None]:
    """Subjects and pause reasons are read by staff: written in the tenant's language, not the debtor's."""
    with translation.override(str(getattr(current_tenant(), "default_locale", "") or "en")):
        yield


def _pause(debt: Debt, *, dispute: bool, actor: Actor, reason: str) -> list[Debt]:
    """Dispute or hold one debt; the debt when it is paused that way now (also when it already was), else none."""
    current = Debt.objects.select_for_update().get(pk=debt.pk)
    if dispute:
        if current.status == DebtStatus.DISPUTED:
            return [current]
        if current.status in ACTIVE_STATUSES:
            return [debt_dispute(debt=current, actor=actor, reason=reason)]
        return []
    if current.status in HOLDABLE:
        return [debt_hold(debt=current, actor=actor, reason=reason)]
    if current.status in (DebtStatus.ON_HOLD, DebtStatus.DISPUTED):
        return [current]
    return []


def _request(
    *,
    kind: str,
    debtor: Debtor,
    debt: Debt | None,
    subject: str,
    details: str,
    data: dict[str, Any],
    uploads: Sequence[CheckedUpload],
    actor: Actor,
    pause: Callable[[], list[Debt]] | None = None,
) -> HelpRequest:
    with transaction.atomic():
        # One request of a debtor at a time: a double click waits here, then finds the case the first one opened.
        Debtor.objects.select_for_update().filter(pk=debtor.pk).first()
        case = Case.objects.open().filter(debtor=debtor, kind=kind, debt=debt).order_by("created_at").first()
        created = case is None
        if case is None:
            case = case_open(
                kind=kind, debtor=debtor, subject=subject, actor=actor, debt=debt, details=details, data=data
            )
            if pause is not None:
                case = case_paused_record(case=case, debts=pause())
        else:
            case = case_follow_up(case=case, details=details, data=data, actor=actor)
        for upload in uploads:
            case_attach(case=case, upload=upload, actor=actor)
    return HelpRequest(case, created)


def dispute_request(
    *, debtor: Debtor, debt: Debt, reason: str, details: str, uploads: Sequence[CheckedUpload], actor: Actor
) -> HelpRequest:
    """The debtor disputes a debt: its collection stops at once (the contact gate refuses contact about a disputed
    debt) and a person looks into it."""
    if reason not in DisputeReason.values:
        raise DomainError(_("Choose why you dispute this invoice."), field="reason")
    details = details.strip()
    if reason == DisputeReason.OTHER and not details:
        raise DomainError(_("Tell us in a few words what is wrong."), field="details")
    with _staff_language():
        label = str(DisputeReason(reason).label)
        subject = _("Invoice %(ref)s: %(reason)s") % {"ref": debt.external_ref, "reason": label}
        why = _("Disputed by the debtor in the portal: %(reason)s") % {"reason": label}
    return _request(
        kind=CaseKind.DISPUTE,
        debtor=debtor,
        debt=debt,
        subject=subject,
        details=details,
        data={"reason": reason},
        uploads=uploads,
        actor=actor,
        pause=lambda: _pause(debt, dispute=True, actor=actor, reason=why),
    )


def hardship_request(*, debtor: Debtor, details: str, uploads: Sequence[CheckedUpload], actor: Actor) -> HelpRequest:
    """The debtor is in financial difficulty: every debt the daily run collects is put on hold (E5) while a person
    finds an arrangement with them."""
    details = details.strip()
    if not details:
        raise DomainError(_("Tell us a little about your situation, so that we can help."), field="details")
    with _staff_language():
        subject = _("Financial difficulty")
        why = _("Hardship request from the debtor in the portal")

    def pause() -> list[Debt]:
        paused: list[Debt] = []
        for debt in Debt.objects.filter(debtor=debtor, status__in=ACTIVE_STATUSES).order_by("due_date", "pk"):
            paused.extend(_pause(debt, dispute=False, actor=actor, reason=why))
        return paused

    return _request(
        kind=CaseKind.HARDSHIP,
        debtor=debtor,
        debt=None,
        subject=subject,
        details=details,
        data={},
        uploads=uploads,
        actor=actor,
        pause=pause,
    )


def not_me_request(
    *, debtor: Debtor, debt: Debt, details: str, uploads: Sequence[CheckedUpload], actor: Actor
) -> HelpRequest:
    """The debtor says the debt is not theirs. That contests the debt itself, so it is disputed: nobody is contacted
    about it until a person has checked (and contacting a stranger about a debt must stop at once)."""
    details = details.strip()
    if not details:
        raise DomainError(_("Tell us briefly why this invoice is not yours."), field="details")
    with _staff_language():
        subject = _("Invoice %(ref)s: not the debtor's") % {"ref": debt.external_ref}
        why = _("The debtor says this debt is not theirs (portal)")
    return _request(
        kind=CaseKind.NOT_ME,
        debtor=debtor,
        debt=debt,
        subject=subject,
        details=details,
        data={},
        uploads=uploads,
        actor=actor,
        pause=lambda: _pause(debt, dispute=True, actor=actor, reason=why),
    )


def already_paid_request(
    *,
    debtor: Debtor,
    debt: Debt,
    paid_on: dt.date,
    amount_minor: int,
    method: str,
    reference: str,
    details: str,
    uploads: Sequence[CheckedUpload],
    actor: Actor,
) -> HelpRequest:
    """The debtor says they paid. Collection pauses while a person finds the payment: a hold, or in the US a dispute
    (Reg F: saying the debt was paid disputes it, which holds collection until it is verified)."""
    if paid_on > tenant_today() + dt.timedelta(days=1):
        raise DomainError(_("The payment date is in the future."), field="paid_on")
    if amount_minor <= 0:
        raise DomainError(_("Enter the amount you paid."), field="amount")
    if method not in PaymentMethod.values:
        raise DomainError(_("Choose how you paid."), field="method")
    with _staff_language():
        subject = _("Invoice %(ref)s: the debtor says it is paid") % {"ref": debt.external_ref}
        why = _("The debtor says this debt is paid (portal)")
    dispute = str(getattr(current_tenant(), "jurisdiction", "")) == "US"
    return _request(
        kind=CaseKind.ALREADY_PAID,
        debtor=debtor,
        debt=debt,
        subject=subject,
        details=details.strip(),
        data={
            "paid_on": paid_on.isoformat(),
            "amount_minor": amount_minor,
            "currency": debt.currency,
            "method": method,
            "reference": reference.strip(),
        },
        uploads=uploads,
        actor=actor,
        pause=lambda: _pause(debt, dispute=dispute, actor=actor, reason=why),
    )


def _hhmm(value: dt.time) -> str:
    return str(format_time(value, format="short", locale=(translation.get_language() or "en").replace("-", "_")))


def callback_time(
    *, debtor: Debtor, day: dt.date, time: dt.time, now: dt.datetime | None = None, hours: ContactHours | None = None
) -> dt.datetime:
    """The moment a debtor chose in their own time, if a call is allowed then; a DomainError naming the field
    otherwise. The contact gate's own rules decide (contact hours, closed days, every zone the debtor may be in)."""
    hours = hours or contact_hours(debtor)
    now = now or timezone.now()
    at = dt.datetime.combine(day, time, tzinfo=hours.tz).astimezone(dt.UTC)
    local_today = now.astimezone(hours.tz).date()
    if at <= now:
        field = "day" if day < local_today else "time"
        raise DomainError(_("This time has already passed. Please choose a later time."), field=field)
    if at < now + CALLBACK_EARLIEST:
        raise DomainError(
            _("Please choose a time at least one hour from now, so that someone is ready to call you."), field="time"
        )
    if at > now + CALLBACK_LATEST:
        raise DomainError(_("Please choose a day within the next 30 days."), field="day")
    reason = hours.blocked(at)
    if reason == "sunday":
        raise DomainError(_("We do not call on Sundays. Please choose another day."), field="day")
    if reason == "public_holiday":
        language = (translation.get_language() or "en").replace("-", "_")
        raise DomainError(
            _("%(day)s is a public holiday: we do not call that day. Please choose another day.")
            % {"day": format_date(day, format="long", locale=language)},
            field="day",
        )
    if reason:
        start, end = hours.window(day)
        raise DomainError(
            _("On that day we call between %(start)s and %(end)s, your time. Please choose a time in between.")
            % {"start": _hhmm(start), "end": _hhmm(end)},
            field="time",
        )
    return at


def callback_request(
    *, debtor: Debtor, day: dt.date, time: dt.time, phone: str, topic: str, actor: Actor
) -> HelpRequest:
    """The debtor asks to be called at a time they chose. The case is due at that time; the call it asks for is a
    consented callback for the contact gate (US2). A new time for an open request replaces the old one."""
    hours = contact_hours(debtor)
    at = callback_time(debtor=debtor, day=day, time=time, hours=hours)
    number = normalize_phone(phone, hours.country or str(getattr(current_tenant(), "jurisdiction", "") or "US"))
    if Channel.PHONE in opted_out_channels(debtor):
        raise DomainError(
            _("You asked us not to call you. To get a call, first allow phone calls in your contact preferences."),
            field="phone",
        )
    local = at.astimezone(hours.tz)
    topic = topic.strip()
    data = {
        "at": at.isoformat(),
        "local_time": f"{local:%Y-%m-%d %H:%M} ({hours.tz.key})",
        "timezone": hours.tz.key,
        "phone": number,
        "topic": topic,
        "consented_callback": True,
    }
    with _staff_language():
        subject = _("Call %(phone)s at %(when)s (debtor's time)") % {"phone": number, "when": data["local_time"]}
    with transaction.atomic():
        Debtor.objects.select_for_update().filter(pk=debtor.pk).first()
        case = Case.objects.open().filter(debtor=debtor, kind=CaseKind.CALLBACK).order_by("created_at").first()
        if case is None:
            case = case_open(
                kind=CaseKind.CALLBACK,
                debtor=debtor,
                subject=subject,
                actor=actor,
                details=topic,
                data=data,
                reply_by=at,
            )
            return HelpRequest(case, True)
        if case.reply_by != at or case.data.get("phone") != number:
            case = _callback_move(case=case, at=at, subject=subject, data=data, actor=actor)
        elif topic:
            case = case_follow_up(case=case, details=topic, data=None, actor=actor)
    return HelpRequest(case, False)


def _callback_move(*, case: Case, at: dt.datetime, subject: str, data: dict[str, Any], actor: Actor) -> Case:
    locked = Case.objects.select_for_update().get(pk=case.pk)
    before = {"reply_by": locked.reply_by, "phone": locked.data.get("phone")}
    locked.reply_by = at
    locked.subject = subject[:200]
    locked.data = {**locked.data, **{k: v for k, v in data.items() if k != "topic" or v}}
    locked.save(update_fields=["reply_by", "subject", "data", "updated_at"])
    audit_record(
        actor=actor,
        action="case.rescheduled",
        obj=locked,
        before=before,
        after={"reply_by": at, "phone": data["phone"]},
        reason=str(data.get("topic", ""))[:500],
    )
    return locked


def contact_preferences_save(*, debtor: Debtor, allowed: set[str], language: str, actor: Actor) -> list[str]:
    """Turn channels on and off for the debtor (effective in the contact gate at once) and set the language of
    what we send; the channels that changed."""
    if unknown := allowed - set(PREFERENCE_CHANNELS):
        raise DomainError(_("Unknown channel: %(c)s.") % {"c": ", ".join(sorted(unknown))})
    if language not in LANGUAGES:
        raise DomainError(_("Choose English, French or Polish."), field="language")
    changed: list[str] = []
    with transaction.atomic():
        stopped = opted_out_channels(debtor)
        for channel in PREFERENCE_CHANNELS:
            if channel in allowed and channel in stopped:
                opt_out_revoke(debtor=debtor, channel=channel, evidence=PREFERENCES_EVIDENCE, actor=actor)
                changed.append(channel)
            elif channel not in allowed and channel not in stopped:
                opt_out_record(
                    debtor=debtor,
                    channel=channel,
                    source=OptOutSource.PORTAL,
                    evidence=PREFERENCES_EVIDENCE,
                    actor=actor,
                )
                changed.append(channel)
        if language != debtor.preferred_language:
            debtor_update(debtor=debtor, actor=actor, preferred_language=language)
    return changed
