"""Every write to debts and their ledgers. Transitions lock the row, check the state, audit, and save."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import Actor, audit_record, changed_fields, snapshot
from apps.core.dates import tenant_today
from apps.core.errors import DomainError, IllegalTransition
from apps.core.money import check_currency, format_money
from apps.core.tenancy import on_commit_in_tenant
from apps.debtors.models import Debtor
from apps.debtors.segments import segments_recompute
from apps.debts.models import (
    ACTIVE_STATUSES,
    ENTRY_SIGN,
    Debt,
    DebtStatus,
    EntryKind,
    LedgerEntry,
    PaymentMethod,
)

S = DebtStatus
# E5: these pause the collection schedule.
PAUSED_STATUSES = frozenset({S.PROMISED, S.IN_PLAN, S.DISPUTED, S.ON_HOLD})


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str | None  # None: open or overdue, by the due date


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition("mark_overdue", frozenset({S.OPEN}), S.OVERDUE),
        Transition("mark_current", frozenset({S.OVERDUE}), S.OPEN),
        Transition("promise", frozenset({S.OPEN, S.OVERDUE}), S.PROMISED),
        Transition("start_plan", frozenset({S.OPEN, S.OVERDUE, S.PROMISED}), S.IN_PLAN),
        Transition("dispute", ACTIVE_STATUSES - {S.DISPUTED}, S.DISPUTED),
        Transition("hold", frozenset({S.OPEN, S.OVERDUE, S.PROMISED, S.IN_PLAN, S.ESCALATED}), S.ON_HOLD),
        Transition("escalate", frozenset({S.OVERDUE, S.PROMISED, S.IN_PLAN, S.ON_HOLD}), S.ESCALATED),
        Transition("resume", frozenset({S.PROMISED, S.IN_PLAN, S.DISPUTED, S.ON_HOLD, S.ESCALATED}), None),
        Transition("mark_paid", ACTIVE_STATUSES, S.PAID),
        Transition("settle", ACTIVE_STATUSES - {S.DISPUTED}, S.SETTLED),
        Transition("write_off", ACTIVE_STATUSES, S.WRITTEN_OFF),
        Transition("cancel", ACTIVE_STATUSES, S.CANCELLED),
        Transition("reopen", frozenset({S.PAID, S.SETTLED, S.WRITTEN_OFF}), None),
    ]
}


def debt_balance_minor(debt: Debt) -> int:
    return int(LedgerEntry.objects.filter(debt=debt).aggregate(total=Sum("amount_minor"))["total"] or 0)


def _lock(debt: Debt) -> Debt:
    return Debt.objects.select_for_update().get(pk=debt.pk)


def _open_or_overdue(debt: Debt) -> str:
    return S.OVERDUE if debt.due_date < tenant_today() else S.OPEN


def _transition(debt: Debt, name: str, *, actor: Actor, reason: str = "") -> Debt:
    """Apply a named transition to a row the caller has locked."""
    spec = TRANSITIONS[name]
    if debt.status not in spec.sources:
        raise IllegalTransition(
            _("Cannot %(action)s debt %(ref)s: it is %(status)s.")
            % {"action": name.replace("_", " "), "ref": debt.external_ref, "status": debt.get_status_display()}
        )
    before = debt.status
    now = timezone.now()
    fields = ["status", "status_changed_at", "updated_at"]
    if before in PAUSED_STATUSES and name == "resume" and debt.status_changed_at is not None:
        # E5: the schedule continues where it stopped, shifted by the days it was paused.
        debt.schedule_shift_days += max((tenant_today(now) - tenant_today(debt.status_changed_at)).days, 0)
        fields.append("schedule_shift_days")
    debt.status = spec.target or _open_or_overdue(debt)
    debt.status_changed_at = now
    debt.save(update_fields=fields)
    audit_record(
        actor=actor,
        action=f"debt.{name}",
        obj=debt,
        before={"status": before},
        after={"status": debt.status},
        reason=reason,
    )
    return debt


def debt_transition(*, debt: Debt, name: str, actor: Actor, reason: str = "") -> Debt:
    if name not in TRANSITIONS:
        raise DomainError(_("Unknown action “%(name)s”.") % {"name": name})
    with transaction.atomic():
        return _transition(_lock(debt), name, actor=actor, reason=reason)


def debt_mark_overdue(*, debt: Debt, actor: Actor) -> Debt:
    return debt_transition(debt=debt, name="mark_overdue", actor=actor)


def debt_promise(*, debt: Debt, actor: Actor, reason: str = "") -> Debt:
    return debt_transition(debt=debt, name="promise", actor=actor, reason=reason)


def debt_start_plan(*, debt: Debt, actor: Actor, reason: str = "") -> Debt:
    return debt_transition(debt=debt, name="start_plan", actor=actor, reason=reason)


def debt_dispute(*, debt: Debt, actor: Actor, reason: str) -> Debt:
    return debt_transition(debt=debt, name="dispute", actor=actor, reason=reason)


def debt_hold(*, debt: Debt, actor: Actor, reason: str) -> Debt:
    return debt_transition(debt=debt, name="hold", actor=actor, reason=reason)


def debt_escalate(*, debt: Debt, actor: Actor, reason: str) -> Debt:
    return debt_transition(debt=debt, name="escalate", actor=actor, reason=reason)


def debt_resume(*, debt: Debt, actor: Actor, reason: str = "") -> Debt:
    return debt_transition(debt=debt, name="resume", actor=actor, reason=reason)


def _close_with_entry(debt: Debt, *, name: str, kind: str, actor: Actor, reason: str) -> Debt:
    with transaction.atomic():
        locked = _lock(debt)
        if locked.status not in TRANSITIONS[name].sources:
            return _transition(locked, name, actor=actor, reason=reason)  # raises the clear error
        remaining = debt_balance_minor(locked)
        if remaining > 0:
            LedgerEntry.objects.create(
                debt=locked,
                kind=kind,
                amount_minor=-remaining,
                currency=locked.currency,
                occurred_on=tenant_today(),
                description=reason,
                created_by_label=actor.label,
            )
        return _transition(locked, name, actor=actor, reason=reason)


def debt_settle(*, debt: Debt, actor: Actor, reason: str) -> Debt:
    """Close a debt whose agreed settlement was paid: the rest becomes a discount."""
    return _close_with_entry(debt, name="settle", kind=EntryKind.DISCOUNT, actor=actor, reason=reason)


def debt_write_off(*, debt: Debt, actor: Actor, reason: str) -> Debt:
    if not reason.strip():
        raise DomainError(_("Say why the debt is written off."), field="reason")
    return _close_with_entry(debt, name="write_off", kind=EntryKind.WRITE_OFF, actor=actor, reason=reason)


def debt_cancel(*, debt: Debt, actor: Actor, reason: str) -> Debt:
    if not reason.strip():
        raise DomainError(_("Say why the debt is cancelled."), field="reason")
    return _close_with_entry(debt, name="cancel", kind=EntryKind.ADJUSTMENT, actor=actor, reason=reason)


def debt_create(
    *,
    debtor: Debtor,
    external_ref: str,
    amount_minor: int,
    currency: str,
    issue_date: dt.date,
    due_date: dt.date,
    description: str = "",
    actor: Actor,
) -> Debt:
    external_ref = external_ref.strip()
    currency = check_currency(currency)
    if not external_ref:
        raise DomainError(_("A reference is required."), field="external_ref")
    if amount_minor <= 0:
        raise DomainError(_("The amount must be more than zero."), field="amount")
    if due_date < issue_date:
        raise DomainError(_("The due date is before the issue date."), field="due_date")
    with transaction.atomic():
        if Debt.objects.filter(external_ref=external_ref).exists():
            raise DomainError(
                _("A debt with reference %(ref)s already exists.") % {"ref": external_ref}, field="external_ref"
            )
        debt = Debt.objects.create(
            debtor=debtor,
            external_ref=external_ref,
            description=description,
            original_amount_minor=amount_minor,
            currency=currency,
            issue_date=issue_date,
            due_date=due_date,
            status=S.OVERDUE if due_date < tenant_today() else S.OPEN,
            status_changed_at=timezone.now(),
        )
        LedgerEntry.objects.create(
            debt=debt,
            kind=EntryKind.CHARGE,
            amount_minor=amount_minor,
            currency=currency,
            occurred_on=issue_date,
            description=description or external_ref,
            created_by_label=actor.label,
        )
        audit_record(
            actor=actor,
            action="debt.created",
            obj=debt,
            after=snapshot(debt, [*DEBT_FIELDS, "original_amount_minor", "currency", "status"]),
        )
    return debt


DEBT_FIELDS = ["description", "issue_date", "due_date"]


def debt_update(*, debt: Debt, actor: Actor, **changes: object) -> Debt:
    """Edit what describes a debt. The amount owed changes only through ledger entries."""
    unknown = set(changes) - set(DEBT_FIELDS)
    if unknown:
        raise DomainError(_("These fields cannot be edited: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    with transaction.atomic():
        locked = _lock(debt)
        before = snapshot(locked, DEBT_FIELDS)
        for field, value in changes.items():
            setattr(locked, field, value)
        if locked.due_date < locked.issue_date:
            raise DomainError(_("The due date is before the issue date."), field="due_date")
        b, a = changed_fields(before, snapshot(locked, DEBT_FIELDS))
        if not a:
            return locked
        locked.save(update_fields=[*a.keys(), "updated_at"])
        audit_record(actor=actor, action="debt.updated", obj=locked, before=b, after=a)
        # A corrected due date can move the debt between open and overdue.
        if "due_date" in a:
            expected = _open_or_overdue(locked)
            if locked.status == S.OVERDUE and expected == S.OPEN:
                _transition(locked, "mark_current", actor=actor, reason=_("Due date moved to the future"))
            elif locked.status == S.OPEN and expected == S.OVERDUE:
                _transition(locked, "mark_overdue", actor=actor, reason=_("Due date moved to the past"))
    return locked


def debt_payment_record(
    *,
    debt: Debt,
    amount_minor: int,
    received_on: dt.date,
    method: str,
    reference: str = "",
    note: str = "",
    actor: Actor,
) -> LedgerEntry:
    """Record an offline payment (S5). A retry with the same reference returns the first entry."""
    reference = reference.strip()
    if method not in PaymentMethod.values:
        raise DomainError(_("Unknown payment method “%(m)s”.") % {"m": method}, field="method")
    if amount_minor <= 0:
        raise DomainError(_("The payment must be more than zero."), field="amount")
    if received_on > tenant_today():
        raise DomainError(_("The payment date is in the future."), field="received_on")
    with transaction.atomic():
        locked = _lock(debt)
        if reference:
            existing = LedgerEntry.objects.filter(debt=locked, kind=EntryKind.PAYMENT, reference=reference).first()
            if existing is not None:
                if existing.amount_minor != -amount_minor:
                    raise DomainError(
                        _("Payment reference %(ref)s was already used for a different amount.") % {"ref": reference},
                        field="reference",
                    )
                return existing
        if locked.status not in ACTIVE_STATUSES:
            raise DomainError(
                _("Debt %(ref)s is %(status)s; there is nothing to pay.")
                % {"ref": locked.external_ref, "status": locked.get_status_display()}
            )
        balance = debt_balance_minor(locked)
        if amount_minor > balance:
            raise DomainError(
                _("The payment (%(amount)s) is more than the balance (%(balance)s).")
                % {
                    "amount": format_money(amount_minor, locked.currency),
                    "balance": format_money(balance, locked.currency),
                },
                field="amount",
            )
        entry = LedgerEntry.objects.create(
            debt=locked,
            kind=EntryKind.PAYMENT,
            amount_minor=-amount_minor,
            currency=locked.currency,
            occurred_on=received_on,
            method=method,
            reference=reference,
            description=note,
            created_by_label=actor.label,
        )
        audit_record(
            actor=actor,
            action="debt.payment_recorded",
            obj=locked,
            after={"amount_minor": amount_minor, "method": method, "reference": reference, "received_on": received_on},
            reason=note,
        )
        if balance - amount_minor == 0:
            _transition(locked, "mark_paid", actor=actor, reason=_("Paid in full"))
        # The payment history decides the segment (principle 6).
        debtor_id = locked.debtor_id
        on_commit_in_tenant(lambda: segments_recompute(debtor_ids=[debtor_id]))
    return entry


def debt_adjust(*, debt: Debt, amount_minor: int, reason: str, actor: Actor, reference: str = "") -> LedgerEntry:
    """A signed correction of what is owed. It never takes the balance to zero or below: cancel or write off."""
    if amount_minor == 0:
        raise DomainError(_("An adjustment cannot be zero."), field="amount")
    if not reason.strip():
        raise DomainError(_("Say why the amount is adjusted."), field="reason")
    with transaction.atomic():
        locked = _lock(debt)
        if reference:
            existing = LedgerEntry.objects.filter(debt=locked, kind=EntryKind.ADJUSTMENT, reference=reference).first()
            if existing is not None:
                return existing
        if locked.status not in ACTIVE_STATUSES:
            raise DomainError(
                _("Debt %(ref)s is %(status)s; reopen it before adjusting.")
                % {"ref": locked.external_ref, "status": locked.get_status_display()}
            )
        balance = debt_balance_minor(locked)
        if balance + amount_minor <= 0:
            raise DomainError(
                _("This adjustment would leave a balance of %(b)s. To close the debt, cancel or write it off.")
                % {"b": format_money(balance + amount_minor, locked.currency)},
                field="amount",
            )
        entry = LedgerEntry.objects.create(
            debt=locked,
            kind=EntryKind.ADJUSTMENT,
            amount_minor=amount_minor,
            currency=locked.currency,
            occurred_on=tenant_today(),
            description=reason,
            reference=reference,
            created_by_label=actor.label,
        )
        audit_record(
            actor=actor,
            action="debt.adjusted",
            obj=locked,
            before={"balance_minor": balance},
            after={"balance_minor": balance + amount_minor, "adjustment_minor": amount_minor},
            reason=reason,
        )
    return entry


def ledger_entry_sign_ok(kind: str, amount_minor: int) -> bool:
    sign = ENTRY_SIGN[kind]
    return amount_minor != 0 and (sign == 0 or (amount_minor > 0) == (sign > 0))


def debts_mark_overdue(*, today: dt.date | None = None) -> int:
    """Set-based: every open debt past its due date becomes overdue, with one audit event for the batch."""
    today = today or tenant_today()
    with transaction.atomic():
        count = Debt.objects.filter(status=S.OPEN, due_date__lt=today).update(
            status=S.OVERDUE, status_changed_at=timezone.now()
        )
        if count:
            audit_record(
                actor=Actor.system("daily status update"),
                action="debt.mark_overdue.batch",
                object_type="debts.debt",
                object_id="*",
                object_repr=f"{count} debts",
                before={"status": S.OPEN},
                after={"status": S.OVERDUE, "count": count},
            )
    return count
