"""Reads of cases: the staff worklist and case page (the debtor's profile, debts and one timeline of everything that
happened with them), the approval queue, a debtor's open cases on the debtor page, and what the portal's help pages
show a debtor about their own debts and requests."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
import zoneinfo
from collections import defaultdict
from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import Role, User
from apps.audit.models import AuditEvent
from apps.casework.choices import data_rows
from apps.casework.models import CallLog, Case, CaseAttachment, CaseKind, CaseNote, CaseStatus
from apps.contact.gate import ContactHours
from apps.contact.models import ChannelOptOut, ContactAttempt, GateDecision, GateOutcome
from apps.core.dates import tenant_today
from apps.core.tenancy import current_tenant
from apps.debtors.models import ContactKind, ContactPoint, Debtor, ReasonRecord, ReasonSource
from apps.debtors.segments import RULES as SEGMENT_RULES
from apps.debtors.selectors import Amount, DebtView, PaymentHistory, payment_history
from apps.debts.models import ACTIVE_STATUSES, Debt, DebtStatus, EntryKind, LedgerEntry
from apps.debts.selectors import ACTION_LABELS, HistoryRow, audit_history, days_past_due
from apps.outbox.models import Message
from apps.portal.access import portal_actor

# Kinds whose own debt is paused while the case is open, even when something else paused it first.
PAUSING_KINDS = frozenset({CaseKind.DISPUTE, CaseKind.NOT_ME, CaseKind.ALREADY_PAID, CaseKind.HARDSHIP})
PAUSED = frozenset({DebtStatus.DISPUTED, DebtStatus.ON_HOLD})

CASE_ACTION_LABELS: dict[str, Promise] = {
    "case.opened": _("Case opened"),
    "case.follow_up": _("The debtor wrote again"),
    "case.attachment_added": _("Document received"),
    "case.rescheduled": _("The debtor chose a new time"),
    "case.attachment_opened": _("Document opened"),
    "case.assigned": _("Assigned"),
    "case.resolved": _("Resolved"),
    "case.note_added": _("Note added"),
    "case.call_logged": _("Call logged"),
}
# Creations: the entry's title says it all; their field-by-field "changes" would only repeat the page.
NO_CHANGES_SHOWN = frozenset({"case.opened", "debt.created"})
# Case events the timeline shows as entries of their own (the note, the call, the document) instead.
SHOWN_ELSEWHERE = frozenset({"case.note_added", "case.call_logged", "case.attachment_added", "debt.payment_recorded"})
# How much of each source the case page reads; the merged timeline keeps the newest TIMELINE_MAX entries.
TIMELINE_PER_SOURCE = 100
TIMELINE_MAX = 200
STAFF_ROLES = (Role.OWNER, Role.MANAGER, Role.AGENT)


@dataclasses.dataclass(frozen=True)
class PausedDebts:
    """The debts a case keeps paused: those it may resume, and those another open case still holds."""

    resumable: list[Debt]
    held_elsewhere: list[tuple[Debt, Case]]


def case_paused_debts(case: Case, *, lock: bool = False) -> PausedDebts:
    """Debts this case paused that are still disputed or on hold (locked when `lock`, inside a transaction)."""
    ids = list(case.paused_debt_ids)
    if case.kind in PAUSING_KINDS and case.debt_id is not None and case.debt_id not in ids:
        ids.append(case.debt_id)
    if not ids:
        return PausedDebts([], [])
    debts = Debt.objects.filter(pk__in=ids, status__in=PAUSED).order_by("external_ref")
    if lock:
        debts = debts.select_for_update()
    found = list(debts)
    if not found:
        return PausedDebts([], [])
    others = list(
        Case.objects.open()
        .exclude(pk=case.pk)
        .filter(paused_debt_ids__overlap=[d.pk for d in found])
        .only("id", "kind", "subject", "paused_debt_ids")
    )
    resumable: list[Debt] = []
    held: list[tuple[Debt, Case]] = []
    for debt in found:
        other = next((c for c in others if debt.pk in c.paused_debt_ids), None)
        if other is None:
            resumable.append(debt)
        else:
            held.append((debt, other))
    return PausedDebts(resumable, held)


# The portal ------------------------------------------------------------------------------------------------------


def portal_debt(debtor: Debtor, debt_id: uuid.UUID | str) -> Debt | None:
    """One of the debtor's debts still being collected; another debtor's debt is None, like a missing one."""
    return Debt.objects.filter(debtor=debtor, pk=debt_id, status__in=ACTIVE_STATUSES).first()


def portal_case(debtor: Debtor, case_id: uuid.UUID | str) -> Case | None:
    """A request the debtor made in the portal, with the documents received; anything else is None."""
    return (
        Case.objects.filter(debtor=debtor, pk=case_id, opened_by_label=portal_actor(debtor).label)
        .select_related("debt")
        .prefetch_related(Prefetch("attachments", queryset=CaseAttachment.objects.order_by("uploaded_at", "id")))
        .first()
    )


def portal_requests(debtor: Debtor, *, limit: int = 20) -> list[Case]:
    """The requests the debtor made in the portal, open ones first, newest first."""
    return list(
        Case.objects.filter(debtor=debtor, opened_by_label=portal_actor(debtor).label)
        .select_related("debt")
        .order_by("status", "-created_at")[:limit]  # "open" sorts before "resolved"
    )


def opted_out_channels(debtor: Debtor) -> set[str]:
    return set(ChannelOptOut.objects.filter(debtor=debtor, revoked_at__isnull=True).values_list("channel", flat=True))


def debtor_phone_numbers(debtor: Debtor) -> list[str]:
    """Numbers we may call: the debtor's usable phone contact points, primary first."""
    points = ContactPoint.objects.filter(debtor=debtor, kind=ContactKind.PHONE).order_by("-is_primary", "created_at")
    return [p.value for p in points if p.is_usable]


@dataclasses.dataclass(frozen=True)
class HoursSummary:
    """The contact hours in words for a debtor choosing a callback time (in their zone)."""

    tz: str
    weekdays: tuple[dt.time, dt.time]
    saturday: tuple[dt.time, dt.time]
    sunday: tuple[dt.time, dt.time] | None
    no_public_holidays: bool

    @property
    def saturday_differs(self) -> bool:
        return self.saturday != self.weekdays

    @property
    def sunday_differs(self) -> bool:
        return self.sunday is not None and self.sunday != self.saturday


# Any week does: the window depends on the day of the week only (holidays are told apart).
_MONDAY, _SATURDAY, _SUNDAY = dt.date(2024, 1, 8), dt.date(2024, 1, 13), dt.date(2024, 1, 14)


def contact_hours_summary(hours: ContactHours) -> HoursSummary:
    return HoursSummary(
        tz=hours.tz.key,
        weekdays=hours.window(_MONDAY),
        saturday=hours.window(_SATURDAY),
        sunday=None if hours.rules.no_sundays else hours.window(_SUNDAY),
        no_public_holidays=hours.rules.no_public_holidays,
    )


# Staff -----------------------------------------------------------------------------------------------------------


def case_list_queryset() -> QuerySet[Case]:
    """Every case with what a worklist row shows, by priority and then the promised reply time."""
    return Case.objects.select_related("debtor", "debt", "assigned_to").order_by(
        "priority", F("reply_by").asc(nulls_last=True), "created_at", "pk"
    )


def case_workers() -> list[User]:
    """Staff who may hold a case (owners, managers, agents), active ones only, by name."""
    return list(User.objects.filter(is_active=True, role__in=STAFF_ROLES).order_by("full_name", "email"))


@dataclasses.dataclass(frozen=True)
class KindCount:
    kind: str
    label: str
    open: int
    overdue: int


@dataclasses.dataclass(frozen=True)
class WorklistSummary:
    """Open cases per kind (every kind, also those with none) and the totals a person starts the day with."""

    kinds: list[KindCount]
    open: int
    overdue: int
    unassigned: int
    mine: int


def worklist_summary(user: Any) -> WorklistSummary:
    """One query: open cases counted per kind, overdue, unassigned and the user's own."""
    now = timezone.now()
    overdue = Q(reply_by__lt=now)
    rows: dict[str, dict[str, Any]] = {
        row["kind"]: dict(row)
        for row in Case.objects.open()
        .order_by()
        .values("kind")
        .annotate(
            n=Count("pk"),
            late=Count("pk", filter=overdue),
            free=Count("pk", filter=Q(assigned_to__isnull=True)),
            own=Count("pk", filter=Q(assigned_to_id=getattr(user, "pk", None))),
        )
    }
    kinds = [
        KindCount(kind, str(label), rows.get(kind, {}).get("n", 0), rows.get(kind, {}).get("late", 0))
        for kind, label in CaseKind.choices
    ]
    return WorklistSummary(
        kinds=kinds,
        open=sum(r["n"] for r in rows.values()),
        overdue=sum(r["late"] for r in rows.values()),
        unassigned=sum(r["free"] for r in rows.values()),
        mine=sum(r["own"] for r in rows.values()),
    )


def case_get(case_id: uuid.UUID | str) -> Case | None:
    return Case.objects.select_related("debtor", "debt", "assigned_to").filter(pk=case_id).first()


@dataclasses.dataclass(frozen=True)
class FollowUp:
    at: dt.datetime | None
    details: str
    data: list[tuple[str, Any]]


def _follow_ups(case: Case) -> list[FollowUp]:
    found = []
    for entry in case.data.get("follow_ups", []):
        try:
            at: dt.datetime | None = dt.datetime.fromisoformat(str(entry.get("at", "")))
        except ValueError:
            at = None
        found.append(FollowUp(at, str(entry.get("details", "")), data_rows(entry.get("data") or {})))
    return found


# The debtor's picture on the case page (C2) -------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class DebtRow:
    debt: Debt
    balance_minor: int
    days_past_due: int


@dataclasses.dataclass(frozen=True)
class Profile:
    debtor: Debtor
    segment_label: str
    open_balances: list[Amount]
    payment_history: PaymentHistory
    # Every recorded reason for non-payment, newest first; the first is the debtor's current one.
    reasons: list[ReasonRecord]
    reason_counts: list[tuple[str, int]]


@dataclasses.dataclass(frozen=True)
class TimelineEntry:
    """One thing that happened with the debtor. `kind` picks the label and style; `case` is set when the entry
    belongs to another case of the debtor than the one on the page."""

    at: dt.datetime
    kind: str
    title: str
    detail: str = ""
    by: str = ""
    badge: str = ""
    tone: str = ""
    amount_minor: int | None = None
    currency: str = ""
    on: dt.date | None = None
    case: Case | None = None
    call: CallLog | None = None
    attachment: CaseAttachment | None = None
    history: HistoryRow | None = None

    @property
    def kind_label(self) -> str:
        return str(TIMELINE_KINDS.get(self.kind, self.kind))


TIMELINE_KINDS: dict[str, Promise] = {
    "message": _("Message"),
    "gate": _("Contact rules"),
    "ledger": _("Ledger"),
    "note": _("Note"),
    "call": _("Call"),
    "document": _("Document"),
    "case": _("Case"),
    "debt": _("Debt"),
    "reason": _("Reason for non-payment"),
}


@dataclasses.dataclass(frozen=True)
class CasePage:
    case: Case
    debt_balance_minor: int | None
    attachments: list[CaseAttachment]
    paused: PausedDebts
    follow_ups: list[FollowUp]
    data: list[tuple[str, Any]]
    profile: Profile
    debts: list[DebtRow]
    other_cases: list[Case]
    timeline: list[TimelineEntry]
    # True when older entries were left out (TIMELINE_MAX, or TIMELINE_PER_SOURCE of a source).
    timeline_truncated: bool
    # A contact-fix case's contact point, as it is now; a follow-up's case of origin.
    contact_point: ContactPoint | None = None
    from_case: Case | None = None

    @property
    def history(self) -> list[HistoryRow]:
        """The events of this case only, oldest last (kept for pages that list them on their own)."""
        return [e.history for e in self.timeline if e.history is not None and e.case is None and e.kind == "case"]


def tenant_local(moment: dt.datetime) -> str:
    """A moment as staff read it in text: the tenant's time, with the zone's abbreviation."""
    name = str(getattr(current_tenant(), "timezone", "") or "UTC")
    try:
        zone = zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def _segment_label(debtor: Debtor) -> str:
    return next((str(rule.label) for rule in SEGMENT_RULES if rule.key == debtor.segment), "")


def _money_entry_tone(kind: str) -> str:
    return "paid" if kind in (EntryKind.PAYMENT, EntryKind.DISCOUNT) else ""


def _message_entries(messages: list[Message]) -> list[TimelineEntry]:
    entries = []
    for m in messages:
        lines = m.body.strip().splitlines()
        first_line = (m.subject or (lines[0] if lines else ""))[:200]
        entries.append(
            TimelineEntry(
                at=m.created_at,
                kind="message",
                title=f"{m.get_channel_display()}: {first_line}",
                detail=m.to_address,
                by=m.created_by_label,
                badge=m.get_status_display(),
                tone="refused" if m.status in ("bounced", "failed", "cancelled") else "",
            )
        )
    return entries


def _gate_entries(decisions: list[GateDecision]) -> list[TimelineEntry]:
    entries = []
    for d in decisions:
        if d.outcome == GateOutcome.DENY:
            title = gettext("%(channel)s refused by the contact rules") % {"channel": d.get_channel_display()}
        else:
            title = gettext("%(channel)s deferred by the contact rules") % {"channel": d.get_channel_display()}
        detail = d.detail or d.rule
        if d.defer_until is not None:
            detail += " " + gettext("Allowed from %(when)s.") % {"when": tenant_local(d.defer_until)}
        entries.append(
            TimelineEntry(
                at=d.decided_at, kind="gate", title=title, detail=detail, by=d.actor_label, badge=d.rule, tone="refused"
            )
        )
    return entries


def _ledger_entries(entries: list[LedgerEntry]) -> list[TimelineEntry]:
    return [
        TimelineEntry(
            at=e.created_at,
            kind="ledger",
            title=gettext("%(kind)s on %(ref)s") % {"kind": e.get_kind_display(), "ref": e.debt.external_ref},
            detail=" · ".join(x for x in (e.description, e.get_method_display() if e.method else "", e.reference) if x),
            by=e.created_by_label,
            amount_minor=e.amount_minor,
            currency=e.currency,
            on=e.occurred_on,
            tone=_money_entry_tone(e.kind),
        )
        for e in entries
    ]


def _other(case: Case, own: Case) -> Case | None:
    return None if case.pk == own.pk else case


def case_page(case: Case) -> CasePage:
    """Everything the case page shows, in a fixed number of queries whatever the debtor's history."""
    debtor = case.debtor
    today = tenant_today()
    cases = list(Case.objects.filter(debtor=debtor).order_by("-created_at"))
    by_id = {c.pk: c for c in cases}
    debts = list(Debt.objects.filter(debtor=debtor).order_by("-issue_date", "external_ref"))
    entries: dict[Any, list[LedgerEntry]] = defaultdict(list)
    ledger = list(LedgerEntry.objects.filter(debt__debtor=debtor).select_related("debt").order_by("occurred_on", "id"))
    for entry in ledger:
        entries[entry.debt_id].append(entry)
    views, rows = [], []
    open_balances: dict[str, int] = defaultdict(int)
    for debt in debts:
        mine = entries.get(debt.pk, [])
        balance = sum(e.amount_minor for e in mine)
        active = debt.status in ACTIVE_STATUSES
        if active:
            open_balances[debt.currency] += balance
        late = days_past_due(debt, today) if active else 0
        views.append(DebtView(debt, balance, mine, late))
        rows.append(DebtRow(debt, balance, late))
    reasons = list(ReasonRecord.objects.filter(debtor=debtor).select_related("debt").order_by("-recorded_at", "-id"))
    counts: dict[str, int] = defaultdict(int)
    for record in reasons:
        counts[record.get_reason_display()] += 1

    messages = list(Message.objects.filter(debtor=debtor).order_by("-created_at")[:TIMELINE_PER_SOURCE])
    decisions = list(
        GateDecision.objects.filter(debtor=debtor)
        .exclude(outcome=GateOutcome.ALLOW)
        .order_by("-decided_at", "-pk")[:TIMELINE_PER_SOURCE]
    )
    notes = list(CaseNote.objects.filter(case__debtor=debtor).order_by("-created_at", "-id")[:TIMELINE_PER_SOURCE])
    calls = list(
        CallLog.objects.filter(debtor=debtor)
        .select_related("arrangement", "follow_up_case", "reason_record")
        .order_by("-called_at")[:TIMELINE_PER_SOURCE]
    )
    # Calls recorded without a call log (the phone-task list's quick "done").
    bare_calls = list(
        ContactAttempt.objects.filter(debtor=debtor, channel="phone", call_log__isnull=True).order_by("-occurred_at")[
            :TIMELINE_PER_SOURCE
        ]
    )
    documents = list(CaseAttachment.objects.filter(case__debtor=debtor).order_by("-uploaded_at")[:TIMELINE_PER_SOURCE])
    events = list(
        AuditEvent.objects.filter(
            Q(object_type=Case._meta.label_lower, object_id__in=[str(c.pk) for c in cases])
            | Q(object_type=Debt._meta.label_lower, object_id__in=[str(d.pk) for d in debts])
        )
        .exclude(action__in=SHOWN_ELSEWHERE)
        .order_by("-occurred_at", "-id")[:TIMELINE_PER_SOURCE]
    )

    timeline: list[TimelineEntry] = []
    timeline += _message_entries(messages)
    timeline += _gate_entries(decisions)
    timeline += _ledger_entries(ledger[-TIMELINE_PER_SOURCE:])
    timeline += [
        TimelineEntry(
            at=n.created_at, kind="note", title=n.body, by=n.author_label, case=_other(by_id[n.case_id], case)
        )
        for n in notes
    ]
    for call in calls:
        timeline.append(
            TimelineEntry(
                at=call.called_at,
                kind="call",
                title=gettext("%(outcome)s · %(number)s")
                % {"outcome": call.get_outcome_display(), "number": call.number},
                detail=call.note,
                by=call.agent_label,
                case=_other(by_id[call.case_id], case),
                call=call,
            )
        )
    timeline += [
        TimelineEntry(
            at=a.occurred_at,
            kind="call",
            title=a.get_call_outcome_display() or gettext("Call"),
            by=a.actor_label,
        )
        for a in bare_calls
    ]
    timeline += [
        TimelineEntry(
            at=d.uploaded_at,
            kind="document",
            title=d.original_name,
            detail=d.content_type,
            case=_other(by_id[d.case_id], case),
            attachment=d,
        )
        for d in documents
    ]
    debt_refs = {str(d.pk): d for d in debts}
    for row in audit_history(events):
        event = row.event
        if event.action in NO_CHANGES_SHOWN:
            row = dataclasses.replace(row, changes=[])
        if event.object_type == Case._meta.label_lower:
            owner = by_id.get(uuid.UUID(event.object_id))
            label = CASE_ACTION_LABELS.get(event.action, row.label)
            timeline.append(
                TimelineEntry(
                    at=event.occurred_at,
                    kind="case",
                    title=str(label),
                    detail=event.reason,
                    by=event.actor_label,
                    case=_other(owner, case) if owner is not None else None,
                    history=dataclasses.replace(row, label=label),
                )
            )
        else:
            about = debt_refs.get(event.object_id)
            title = str(ACTION_LABELS.get(event.action, row.label))
            timeline.append(
                TimelineEntry(
                    at=event.occurred_at,
                    kind="debt",
                    title=f"{title}: {about.external_ref}" if about is not None else title,
                    currency=about.currency if about is not None else "",
                    detail=event.reason,
                    by=event.actor_label,
                    history=row,
                )
            )
    timeline += [
        TimelineEntry(
            at=r.recorded_at,
            kind="reason",
            title=r.get_reason_display(),
            detail=r.note,
            by=r.recorded_by_label,
            badge=r.get_source_display(),
        )
        for r in reasons[:TIMELINE_PER_SOURCE]
        if r.source != ReasonSource.CALL  # a call's reason is shown with the call
    ]
    timeline.sort(key=lambda e: e.at, reverse=True)
    full = (
        any(
            len(source) >= TIMELINE_PER_SOURCE
            for source in (messages, decisions, notes, calls, bare_calls, documents, events)
        )
        or len(ledger) > TIMELINE_PER_SOURCE
    )
    return CasePage(
        case=case,
        debt_balance_minor=next((r.balance_minor for r in rows if r.debt.pk == case.debt_id), None),
        attachments=sorted((d for d in documents if d.case_id == case.pk), key=lambda d: (d.uploaded_at, d.pk)),
        paused=case_paused_debts(case) if case.status == CaseStatus.OPEN else PausedDebts([], []),
        follow_ups=_follow_ups(case),
        data=data_rows(case.data),
        profile=Profile(
            debtor=debtor,
            segment_label=_segment_label(debtor),
            open_balances=[Amount(v, c) for c, v in sorted(open_balances.items())],
            payment_history=payment_history(views),
            reasons=reasons,
            reason_counts=sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])),
        ),
        debts=rows,
        other_cases=[c for c in cases if c.pk != case.pk and c.status == CaseStatus.OPEN],
        contact_point=(
            ContactPoint.objects.filter(debtor=debtor, pk=case.data["contact_point"]).first()
            if case.kind == CaseKind.CONTACT_FIX and case.data.get("contact_point")
            else None
        ),
        from_case=next((c for c in cases if str(c.pk) == case.data.get("from_case")), None),
        timeline=timeline[:TIMELINE_MAX],
        timeline_truncated=full or len(timeline) > TIMELINE_MAX,
    )


def case_attachment_get(case_id: uuid.UUID | str, attachment_id: int) -> CaseAttachment | None:
    return CaseAttachment.objects.select_related("case").filter(case_id=case_id, pk=attachment_id).first()


def debtor_open_cases(debtor: Debtor) -> list[Case]:
    return list(
        Case.objects.open()
        .filter(debtor=debtor)
        .select_related("debt", "assigned_to")
        .order_by("priority", F("reply_by").asc(nulls_last=True), "created_at")
    )
