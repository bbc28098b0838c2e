"""Reads for card payments: what a debtor is asked to pay on a pay page, and what each debtor or staff may see."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from django.db.models import QuerySet, Sum

from apps.arrangements.models import Arrangement, ArrangementKind, ArrangementStatus, Instalment, InstalmentStatus
from apps.debtors.models import Debtor
from apps.debts.models import ACTIVE_STATUSES, Debt
from apps.debts.services import debt_balance_minor
from apps.payments.models import (
    FINAL_STATUSES,
    CardPayment,
    CardRefund,
    PaymentInstructions,
    PaymentPurpose,
    PaymentStatus,
    SavedCard,
    StripeAccount,
)


@dataclasses.dataclass(frozen=True)
class PayTarget:
    """What one pay page asks for. The amount is decided here, on the server, and nowhere else."""

    debt: Debt
    purpose: str
    amount_minor: int
    currency: str
    # Which page asked: "debt" (pay a debt) or "instalment" (pay one instalment).
    source: str = "debt"
    arrangement: Arrangement | None = None
    instalment: Instalment | None = None
    # The plan's instalments after this one: the debtor may agree to have them charged to this card.
    later_instalments: tuple[Instalment, ...] = ()
    saved_card: SavedCard | None = None

    @property
    def payable(self) -> bool:
        return self.amount_minor > 0

    def signature(self) -> dict[str, Any]:
        """What the page shows and the confirmation must find unchanged."""
        return {
            "source": self.source,
            "debt": str(self.debt.pk),
            "instalment": self.instalment.pk if self.instalment else None,
            "purpose": self.purpose,
            "amount": self.amount_minor,
            "currency": self.currency,
        }


def stripe_account_get() -> StripeAccount | None:
    return StripeAccount.objects.order_by("pk").first()


def payment_instructions_text() -> str:
    row = PaymentInstructions.objects.order_by("pk").first()
    return row.text.strip() if row else ""


def debtor_debt(debtor: Debtor, debt_id: uuid.UUID | str) -> Debt | None:
    return Debt.objects.filter(debtor=debtor, pk=debt_id).first()


def debtor_instalment(debtor: Debtor, instalment_id: int) -> Instalment | None:
    return (
        Instalment.objects.select_related("arrangement__debt")
        .filter(arrangement__debt__debtor=debtor, pk=instalment_id)
        .first()
    )


def debtor_card_payment(debtor: Debtor, card_payment_id: uuid.UUID | str) -> CardPayment | None:
    return (
        CardPayment.objects.select_related("debt", "instalment").filter(debt__debtor=debtor, pk=card_payment_id).first()
    )


def debtor_saved_cards(debtor: Debtor) -> QuerySet[SavedCard]:
    return (
        SavedCard.objects.filter(debtor=debtor, revoked_at__isnull=True)
        .select_related("arrangement__debt")
        .order_by("consented_at")
    )


def active_saved_card(arrangement: Arrangement) -> SavedCard | None:
    return SavedCard.objects.filter(arrangement=arrangement, revoked_at__isnull=True).first()


def _purpose_for(arrangement: Arrangement) -> str:
    if arrangement.kind == ArrangementKind.SETTLEMENT:
        return PaymentPurpose.SETTLEMENT
    return PaymentPurpose.INSTALMENT


def _for_instalment(debt: Debt, balance: int, instalment: Instalment, source: str) -> PayTarget:
    arrangement = instalment.arrangement
    later: tuple[Instalment, ...] = ()
    if arrangement.kind == ArrangementKind.PLAN:
        later = tuple(
            arrangement.instalments.filter(status=InstalmentStatus.DUE, number__gt=instalment.number).order_by("number")
        )
    return PayTarget(
        debt=debt,
        purpose=_purpose_for(arrangement),
        # The last instalment can be more than what is left after an offline payment: never ask for more.
        amount_minor=max(min(instalment.amount_minor, balance), 0),
        currency=debt.currency,
        source=source,
        arrangement=arrangement,
        instalment=instalment,
        later_instalments=later,
        saved_card=active_saved_card(arrangement),
    )


def pay_target_for_debt(debt: Debt) -> PayTarget:
    """Pay a debt: its balance, or, under an active settlement, the settlement's amount."""
    balance = debt_balance_minor(debt) if debt.status in ACTIVE_STATUSES else 0
    settlement = (
        Arrangement.objects.filter(debt=debt, kind=ArrangementKind.SETTLEMENT, status=ArrangementStatus.ACTIVE)
        .order_by("-created_at")
        .first()
    )
    if settlement is not None and balance > 0:
        instalment = settlement.instalments.filter(status=InstalmentStatus.DUE).order_by("number").first()
        if instalment is not None:
            return _for_instalment(debt, balance, instalment, "debt")
    return PayTarget(debt=debt, purpose=PaymentPurpose.FULL, amount_minor=max(balance, 0), currency=debt.currency)


def pay_target_for_instalment(instalment: Instalment) -> PayTarget:
    """Pay one instalment: only while it is due and its arrangement active; else nothing (amount 0)."""
    debt = instalment.arrangement.debt
    if (
        instalment.status != InstalmentStatus.DUE
        or instalment.arrangement.status != ArrangementStatus.ACTIVE
        or debt.status not in ACTIVE_STATUSES
    ):
        return PayTarget(
            debt=debt,
            purpose=_purpose_for(instalment.arrangement),
            amount_minor=0,
            currency=debt.currency,
            source="instalment",
            arrangement=instalment.arrangement,
            instalment=instalment,
        )
    return _for_instalment(debt, debt_balance_minor(debt), instalment, "instalment")


def pay_target_again(target: PayTarget) -> PayTarget:
    """The same page's target as it is now (read afresh from the database)."""
    if target.source == "instalment" and target.instalment is not None:
        return pay_target_for_instalment(
            Instalment.objects.select_related("arrangement__debt").get(pk=target.instalment.pk)
        )
    return pay_target_for_debt(Debt.objects.get(pk=target.debt.pk))


def payment_in_flight(debt: Debt) -> CardPayment | None:
    """A card payment on this debt that has not finished (the debtor may be paying in another tab)."""
    return (
        CardPayment.objects.filter(debt=debt)
        .exclude(status__in=FINAL_STATUSES)
        .exclude(status=PaymentStatus.REQUIRES_ACTION)
        .order_by("-created_at")
        .first()
    )


def refunded_minor(card_payment: CardPayment) -> int:
    total = CardRefund.objects.filter(card_payment=card_payment).exclude(status__in=["failed", "canceled"])
    return int(total.aggregate(s=Sum("amount_minor"))["s"] or 0)


def refundable_minor(card_payment: CardPayment) -> int:
    """What staff may still refund: what reached the ledger, less what was refunded of it already."""
    if card_payment.status != PaymentStatus.SUCCEEDED:
        return 0
    return max(card_payment.amount_minor - refunded_minor(card_payment), 0)


@dataclasses.dataclass(frozen=True)
class CardPaymentRow:
    payment: CardPayment
    refunded_minor: int
    refundable_minor: int


def debt_card_payments(debt: Debt) -> list[CardPaymentRow]:
    payments = list(
        CardPayment.objects.filter(debt=debt).prefetch_related("refunds", "disputes").order_by("-created_at")
    )
    rows = []
    for payment in payments:
        refunded = sum(r.amount_minor for r in payment.refunds.all() if r.status not in ("failed", "canceled"))
        refundable = max(payment.amount_minor - refunded, 0) if payment.status == PaymentStatus.SUCCEEDED else 0
        rows.append(CardPaymentRow(payment, refunded, refundable))
    return rows
