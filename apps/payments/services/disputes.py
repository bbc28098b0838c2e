"""Chargebacks: a CHARGEBACK entry by the dispute id, the debt reopened and a case; a won dispute counts the money
again (a PAYMENT entry by the dispute id)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import Actor, audit_record
from apps.casework.models import CaseKind
from apps.casework.services import case_open
from apps.core.dates import tenant_today
from apps.debts.models import ACTIVE_STATUSES, Debt, EntryKind, LedgerEntry, PaymentMethod
from apps.debts.services import debt_balance_minor, debt_payment_record
from apps.payments.models import (
    CardDispute,
    CardPayment,
)
from apps.payments.services.common import debt_reopen_if_owed, money_words


def card_dispute_open(*, card_payment: CardPayment, dispute: Any, actor: Actor) -> CardDispute:
    """A chargeback: the money went back to the debtor's bank. It is owed again (CHARGEBACK entry by the dispute
    id), a paid or settled debt reopens, and a person gets a CHARGEBACK case."""
    with transaction.atomic():
        payment = CardPayment.objects.select_for_update().select_related("debt__debtor").get(pk=card_payment.pk)
        row = CardDispute.objects.select_for_update().filter(stripe_dispute_id=dispute.id).first()
        if row is not None:
            return row
        amount = int(dispute.amount)
        row = CardDispute.objects.create(
            card_payment=payment,
            stripe_dispute_id=dispute.id,
            amount_minor=amount,
            currency=payment.currency,
            reason=str(getattr(dispute, "reason", "") or "")[:60],
            status=str(getattr(dispute, "status", "") or "")[:30],
        )
        debt = Debt.objects.select_for_update().get(pk=payment.debt_id)
        if payment.ledger_entry_id is not None:
            row.chargeback_entry, _created = LedgerEntry.objects.get_or_create(
                debt=debt,
                kind=EntryKind.CHARGEBACK,
                reference=dispute.id,
                defaults={
                    "amount_minor": amount,
                    "currency": debt.currency,
                    "occurred_on": tenant_today(),
                    "method": PaymentMethod.CARD,
                    "description": _("Chargeback (%(reason)s)") % {"reason": row.reason or "—"},
                    "created_by_label": actor.label,
                },
            )
            debt_reopen_if_owed(debt, actor=actor, reason=_("Card payment charged back"))
        row.case = case_open(
            kind=CaseKind.CHARGEBACK,
            debtor=payment.debt.debtor,
            debt=debt,
            subject=_("Chargeback of %(amount)s on %(ref)s")
            % {"amount": money_words(amount, payment.currency), "ref": debt.external_ref},
            details=_(
                "The debtor's bank took back a card payment (reason: %(reason)s). Answer the dispute in Stripe "
                "(%(dispute)s) before its deadline, and talk to the debtor: the amount is owed again."
            )
            % {"reason": row.reason or "—", "dispute": dispute.id},
            data={"card_payment": str(payment.pk), "dispute": dispute.id, "amount_minor": amount},
            actor=actor,
        )
        row.save(update_fields=["chargeback_entry", "case"])
        audit_record(
            actor=actor,
            action="payments.chargeback_opened",
            obj=payment,
            after={"dispute": dispute.id, "amount_minor": amount, "reason": row.reason},
        )
    return row


def card_dispute_close(*, card_payment: CardPayment, dispute: Any, actor: Actor) -> CardDispute:
    """A closed chargeback. Won: the money came back, so it is a payment again (PAYMENT entry by the dispute id);
    if less is owed now than came back, what fits is recorded and a person refunds the rest (a case)."""
    row = card_dispute_open(card_payment=card_payment, dispute=dispute, actor=actor)
    with transaction.atomic():
        row = CardDispute.objects.select_for_update().select_related("card_payment__debt__debtor").get(pk=row.pk)
        status = str(getattr(dispute, "status", "") or "")[:30]
        if row.closed_at is not None:
            return row
        row.status, row.closed_at = status, timezone.now()
        fields = ["status", "closed_at"]
        if status == "won" and row.chargeback_entry_id is not None and row.reinstated_entry_id is None:
            debt = Debt.objects.select_for_update().get(pk=row.card_payment.debt_id)
            balance = debt_balance_minor(debt) if debt.status in ACTIVE_STATUSES else 0
            fits = max(min(row.amount_minor, balance), 0)
            if fits > 0:
                row.reinstated_entry = debt_payment_record(
                    debt=debt,
                    amount_minor=fits,
                    received_on=tenant_today(),
                    method=PaymentMethod.CARD,
                    reference=dispute.id,
                    note=_("Chargeback won: the card payment came back"),
                    actor=actor,
                )
                fields.append("reinstated_entry")
            if fits < row.amount_minor:
                case_open(
                    kind=CaseKind.ALREADY_PAID,
                    debtor=debt.debtor,
                    debt=debt,
                    subject=_("Chargeback won: %(amount)s more than is owed")
                    % {"amount": money_words(row.amount_minor - fits, row.currency)},
                    details=_(
                        "The chargeback %(dispute)s was won and %(back)s came back, but only %(fits)s was still "
                        "owed. Refund the difference to the debtor, or agree with them where it goes."
                    )
                    % {
                        "dispute": dispute.id,
                        "back": money_words(row.amount_minor, row.currency),
                        "fits": money_words(fits, row.currency),
                    },
                    data={"dispute": dispute.id, "excess_minor": row.amount_minor - fits},
                    actor=actor,
                )
        row.save(update_fields=fields)
        audit_record(
            actor=actor,
            action="payments.chargeback_closed",
            obj=row.card_payment,
            after={"dispute": dispute.id, "status": status},
        )
    return row
