"""Reads of cases: the staff worklist and case page, a debtor's open cases on the debtor page, and what the
portal's help pages show a debtor about their own debts and requests."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Any

from django.db.models import F, Prefetch, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from apps.audit.models import AuditEvent
from apps.casework.choices import data_rows
from apps.casework.models import Case, CaseAttachment, CaseKind, CaseStatus
from apps.contact.gate import ContactHours
from apps.contact.models import ChannelOptOut
from apps.debtors.models import ContactKind, ContactPoint, Debtor
from apps.debts.models import ACTIVE_STATUSES, Debt, DebtStatus
from apps.debts.selectors import HistoryRow, audit_history
from apps.debts.services import debt_balance_minor
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
}


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


@dataclasses.dataclass(frozen=True)
class CasePage:
    case: Case
    debt_balance_minor: int | None
    attachments: list[CaseAttachment]
    history: list[HistoryRow]
    paused: PausedDebts
    follow_ups: list[FollowUp]
    data: list[tuple[str, Any]]


def case_page(case: Case) -> CasePage:
    events = AuditEvent.objects.for_object(case).select_related("actor_user")
    history = [
        dataclasses.replace(row, label=CASE_ACTION_LABELS.get(row.event.action, row.label))
        for row in audit_history(events)
    ]
    return CasePage(
        case=case,
        debt_balance_minor=debt_balance_minor(case.debt) if case.debt is not None else None,
        attachments=list(case.attachments.order_by("uploaded_at", "id")),
        history=history,
        paused=case_paused_debts(case) if case.status == CaseStatus.OPEN else PausedDebts([], []),
        follow_ups=_follow_ups(case),
        data=data_rows(case.data),
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
