"""Reads behind the staff debt pages: lists with balances, per-currency totals, itemised balances, audit history."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from django.apps import apps as django_apps
from django.db.models import Count, QuerySet, Sum
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from apps.audit.models import AuditEvent
from apps.core.dates import tenant_today
from apps.core.errors import DomainError
from apps.core.tenancy import current_tenant
from apps.debts.models import ACTIVE_STATUSES, Debt, EntryKind, LedgerEntry, PaymentMethod
from apps.debts.services import TRANSITIONS

ACTION_LABELS: dict[str, Promise] = {
    "debtor.created": _("Debtor created"),
    "debtor.updated": _("Debtor edited"),
    "contact_point.added": _("Contact point added"),
    "contact_point.updated": _("Contact point edited"),
    "debt.created": _("Debt created"),
    "debt.updated": _("Debt edited"),
    "debt.payment_recorded": _("Payment recorded"),
    "debt.adjusted": _("Amount adjusted"),
    "debt.mark_overdue": _("Marked overdue"),
    "debt.promise": _("Promise to pay"),
    "debt.start_plan": _("Payment plan started"),
    "debt.dispute": _("Disputed"),
    "debt.hold": _("Put on hold"),
    "debt.escalate": _("Escalated"),
    "debt.resume": _("Collection resumed"),
    "debt.mark_paid": _("Paid in full"),
    "debt.settle": _("Settled"),
    "debt.write_off": _("Written off"),
    "debt.cancel": _("Cancelled"),
    "debt.reopen": _("Reopened"),
}

# Transitions staff may take by hand, and whether they must say why. The others happen by themselves
# (mark_overdue daily, mark_paid when the ledger reaches zero) or need details later features record
# (a promise's date, a plan's schedule), or a ledger reversal this app does not offer (reopen).
# Escalation and write-off are not here: they are decisions with their cost beside them, taken from the
# escalations panel by those allowed to escalate (C5), never a plain status change.
MANUAL_TRANSITIONS: dict[str, tuple[Promise, bool]] = {
    "dispute": (_("Dispute"), True),
    "hold": (_("Put on hold"), True),
    "resume": (_("Resume collection"), False),
    "settle": (_("Settle (the rest becomes a discount)"), True),
    "cancel": (_("Cancel"), True),
}


def currency_choices() -> list[tuple[str, str]]:
    """Currencies the tenant has debts in, and its own currency."""
    codes = set(Debt.objects.order_by().values_list("currency", flat=True).distinct())
    tenant_currency = getattr(current_tenant(), "currency", "")
    if tenant_currency:
        codes.add(tenant_currency)
    return [(c, c) for c in sorted(codes)]


def debt_list_queryset() -> QuerySet[Debt]:
    return Debt.objects.select_related("debtor").with_balance().order_by("due_date", "external_ref")


@dataclasses.dataclass(frozen=True)
class CurrencyTotal:
    currency: str
    balance_minor: int
    debts: int


def debts_totals_by_currency(debts: QuerySet[Debt]) -> list[CurrencyTotal]:
    """The balance of a (filtered) set of debts, one total per currency — never summed across currencies."""
    ids = debts.order_by().values("pk")
    rows = (
        LedgerEntry.objects.filter(debt__in=ids)
        .order_by()
        .values("currency")
        .annotate(balance=Sum("amount_minor"), debts=Count("debt", distinct=True))
        .order_by("currency")
    )
    return [CurrencyTotal(r["currency"], int(r["balance"] or 0), r["debts"]) for r in rows]


def days_past_due(debt: Debt, today: Any = None) -> int:
    today = today or tenant_today()
    return max(0, (today - debt.due_date).days)


@dataclasses.dataclass(frozen=True)
class BalanceLine:
    label: Promise
    amount_minor: int
    legal_bases: list[str]


def itemised_balance(entries: Iterable[LedgerEntry]) -> list[BalanceLine]:
    """The ledger summed by what each entry is. Principal is the charge plus corrections."""
    groups: list[tuple[Promise, set[str]]] = [
        (_("Principal"), {EntryKind.CHARGE, EntryKind.ADJUSTMENT}),
        (_("Interest"), {EntryKind.INTEREST}),
        (_("Fees"), {EntryKind.FEE}),
        (_("Payments"), {EntryKind.PAYMENT}),
        (_("Discounts"), {EntryKind.DISCOUNT}),
        (_("Write-offs"), {EntryKind.WRITE_OFF}),
        (_("Refunds and chargebacks"), {EntryKind.REFUND, EntryKind.CHARGEBACK}),
    ]
    entries = list(entries)
    lines = []
    for label, kinds in groups:
        mine = [e for e in entries if e.kind in kinds]
        bases = sorted({e.legal_basis for e in mine if e.legal_basis})
        lines.append(BalanceLine(label, sum(e.amount_minor for e in mine), bases))
    return lines


@dataclasses.dataclass(frozen=True)
class Change:
    field: str
    before: Any
    after: Any
    is_money: bool


@dataclasses.dataclass(frozen=True)
class HistoryRow:
    event: AuditEvent
    label: Any
    changes: list[Change]


# Keys services put in audit events that are not fields of the audited model.
EXTRA_LABELS: dict[str, Promise] = {
    "balance_minor": _("balance"),
    "adjustment_minor": _("adjustment"),
    "amount_minor": _("amount"),
    "received_on": _("received on"),
    "method": _("method"),
    "reference": _("reference"),
    "count": _("count"),
}


def _field_labels(object_type: str) -> tuple[dict[str, Any], dict[str, dict[Any, Any]]]:
    """Verbose names and choice labels of the audited model's fields, so history reads in the page's language."""
    try:
        model = django_apps.get_model(object_type)
    except (LookupError, ValueError):
        return dict(EXTRA_LABELS), {"method": dict(PaymentMethod.choices)}
    labels: dict[str, Any] = dict(EXTRA_LABELS)
    choices: dict[str, dict[Any, Any]] = {"method": dict(PaymentMethod.choices)}
    for field in model._meta.get_fields():
        if hasattr(field, "verbose_name"):
            labels[field.name] = field.verbose_name
        if getattr(field, "choices", None):
            choices[field.name] = dict(field.choices)
    return labels, choices


def audit_history(events: Iterable[AuditEvent]) -> list[HistoryRow]:
    rows = []
    for event in events:
        labels, choices = _field_labels(event.object_type)
        before = event.before if isinstance(event.before, dict) else {}
        after = event.after if isinstance(event.after, dict) else {}
        changes = []
        for key in dict.fromkeys([*before.keys(), *after.keys()]):
            old, new = before.get(key), after.get(key)
            if old in (None, "") and new in (None, ""):
                continue
            named = choices.get(key, {})
            changes.append(
                Change(
                    str(labels.get(key, key)),
                    named.get(old, old),
                    named.get(new, new),
                    key.endswith("_minor"),
                )
            )
        rows.append(HistoryRow(event, ACTION_LABELS.get(event.action, event.action), changes))
    return rows


def debt_audit_events(debt: Debt) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.for_object(debt).select_related("actor_user")


@dataclasses.dataclass
class DebtPage:
    debt: Debt
    entries: list[LedgerEntry]
    balance_minor: int
    lines: list[BalanceLine]
    history: list[HistoryRow]
    days_past_due: int
    transitions: list[tuple[str, Promise, bool]]

    @property
    def is_active(self) -> bool:
        return self.debt.status in ACTIVE_STATUSES

    @property
    def is_payable(self) -> bool:
        return self.is_active and self.balance_minor > 0


def manual_transitions_for(debt: Debt, *, paid_something: bool) -> list[tuple[str, Promise, bool]]:
    """The hand-operated moves legal from the debt's current status."""
    offered = []
    for name, (label, needs_reason) in MANUAL_TRANSITIONS.items():
        if debt.status not in TRANSITIONS[name].sources:
            continue
        # A settlement is a partial payment accepted as full; with nothing paid it would be a write-off.
        if name == "settle" and not paid_something:
            continue
        offered.append((name, label, needs_reason))
    return offered


def manual_transition_check(debt: Debt, name: str) -> None:
    """Refuse a hand-operated move the debt's page would not offer now."""
    paid = LedgerEntry.objects.filter(debt=debt, kind=EntryKind.PAYMENT).exists()
    if name not in [n for n, _label, _needs in manual_transitions_for(debt, paid_something=paid)]:
        raise DomainError(
            _("“%(action)s” is not available for debt %(ref)s while it is %(status)s.")
            % {
                "action": MANUAL_TRANSITIONS[name][0] if name in MANUAL_TRANSITIONS else name,
                "ref": debt.external_ref,
                "status": debt.get_status_display(),
            }
        )


def debt_page(debt: Debt) -> DebtPage:
    entries = list(LedgerEntry.objects.filter(debt=debt).order_by("occurred_on", "id"))
    balance = sum(e.amount_minor for e in entries)
    paid_something = any(e.kind == EntryKind.PAYMENT for e in entries)
    return DebtPage(
        debt=debt,
        entries=entries,
        balance_minor=balance,
        lines=itemised_balance(entries),
        history=audit_history(debt_audit_events(debt)),
        days_past_due=days_past_due(debt) if debt.status in ACTIVE_STATUSES else 0,
        transitions=manual_transitions_for(debt, paid_something=paid_something),
    )
