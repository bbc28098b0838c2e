"""Every write to arrangements: a debtor's request (agreed at once inside the margins, else sent to a person), a
person's approval or refusal, instalments paid or missed, and the daily check that keeps them in step with the ledger.

Locks are always taken in the same order, debt first, then arrangement, then instalments, so that a payment, the
daily check and a person deciding never deadlock on each other."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.arrangements import options
from apps.arrangements.models import (
    Arrangement,
    ArrangementKind,
    ArrangementStatus,
    Instalment,
    InstalmentStatus,
)
from apps.audit.services import Actor, audit_record
from apps.casework.models import Case, CaseKind, CaseStatus
from apps.casework.selectors import case_paused_debts
from apps.casework.services import case_follow_up, case_open, case_paused_record, case_resolve
from apps.core.dates import tenant_today
from apps.core.errors import DomainError
from apps.core.money import format_money
from apps.core.tenancy import current_tenant
from apps.debts.models import ACTIVE_STATUSES, CLOSED_STATUSES, Debt, DebtStatus, EntryKind, LedgerEntry
from apps.debts.services import (
    TRANSITIONS,
    debt_balance_minor,
    debt_hold,
    debt_payment_record,
    debt_promise,
    debt_resume,
    debt_settle,
    debt_start_plan,
)
from apps.engine.services import debt_promise_broken
from apps.experiments.selectors import margins_for
from apps.policies.models import StepKind

logger = logging.getLogger(__name__)

K = ArrangementKind
A = ArrangementStatus
S = DebtStatus

# Debts a debtor can make an arrangement for. A debt on hold can get one, but a person decides (see `_refer`).
ARRANGEABLE = frozenset({S.OPEN, S.OVERDUE, S.ON_HOLD})
# An instalment (a promise's date, a settlement's expiry) still unpaid this many days after its date is missed: a
# card payment or a transfer made on the day may take this long to reach the ledger.
MISSED_AFTER_DAYS = 3
# A request waiting for a person lapses after this many days (and a settlement or promise on its date, if sooner):
# the debtor's collection is paused while it waits, and an answer that late is no answer.
PENDING_VALID_DAYS = 14
MAX_NOTE_LENGTH = 2000
# Ledger entries that are money moving between the debtor and the creditor (what pays an arrangement).
MONEY_KINDS = (EntryKind.PAYMENT, EntryKind.REFUND, EntryKind.CHARGEBACK)
# The debt's status that an active plan / promise keeps it in.
EXPECTED_DEBT_STATUS = {K.PLAN: S.IN_PLAN, K.PROMISE: S.PROMISED}


@contextmanager
def _staff_language() -> Iterator[None]:
    """Case subjects and reasons are read by staff: written in the tenant's language, not the debtor's."""
    with translation.override(str(getattr(current_tenant(), "default_locale", "") or "en")):
        yield


def _lock_debt(debt: Debt | Any) -> Debt:
    pk = debt.pk if isinstance(debt, Debt) else debt
    return Debt.objects.select_related("debtor").select_for_update(of=("self",)).get(pk=pk)


def _lock_arrangement(pk: Any) -> Arrangement:
    return Arrangement.objects.select_for_update().get(pk=pk)


def _instalments(arrangement: Arrangement) -> list[Instalment]:
    return list(Instalment.objects.select_for_update().filter(arrangement=arrangement).order_by("number"))


def _money(minor: int, currency: str) -> str:
    return format_money(minor, currency, translation.get_language() or "en")


def _set_status(
    arrangement: Arrangement,
    status: str,
    *,
    actor: Actor,
    action: str,
    reason: str = "",
    extra: dict[str, Any] | None = None,
    fields: tuple[str, ...] = (),
) -> Arrangement:
    before = arrangement.status
    arrangement.status = status
    arrangement.status_changed_at = timezone.now()
    arrangement.save(update_fields=["status", "status_changed_at", *fields])
    audit_record(
        actor=actor,
        action=action,
        obj=arrangement,
        before={"status": before},
        after={"status": status, **(extra or {})},
        reason=reason,
    )
    return arrangement


# Money received towards an arrangement ---------------------------------------------------------------------------


def paid_towards_minor(arrangement: Arrangement) -> int:
    """Money the debtor paid on the debt since the arrangement was made (less refunds and chargebacks). New charges
    or interest do not count against it, so an instalment paid is seen as paid whatever else the ledger gained."""
    total = LedgerEntry.objects.filter(
        debt_id=arrangement.debt_id, kind__in=MONEY_KINDS, created_at__gte=arrangement.created_at
    ).aggregate(total=Sum("amount_minor"))["total"]
    return -int(total or 0)


def _unallocated_minor(arrangement: Arrangement, instalments: list[Instalment]) -> int:
    allocated = sum(i.amount_minor for i in instalments if i.status == InstalmentStatus.PAID)
    return paid_towards_minor(arrangement) - allocated


def _mark_paid(instalment: Instalment, *, actor: Actor, how: str) -> None:
    instalment.status = InstalmentStatus.PAID
    instalment.paid_at = timezone.now()
    instalment.save(update_fields=["status", "paid_at"])
    audit_record(
        actor=actor,
        action="arrangement.instalment_paid",
        obj=instalment.arrangement,
        after={"instalment": instalment.number, "amount_minor": instalment.amount_minor, "how": how},
    )


def _allocate_received(arrangement: Arrangement, instalments: list[Instalment], *, actor: Actor) -> int:
    """Mark paid, in order, the due instalments the money received already covers (a transfer a person recorded on
    the debt, a payment in full). Returns how many were marked."""
    unallocated = _unallocated_minor(arrangement, instalments)
    marked = 0
    for instalment in instalments:
        if instalment.status != InstalmentStatus.DUE:
            continue
        if instalment.amount_minor > unallocated:
            break
        unallocated -= instalment.amount_minor
        _mark_paid(instalment, actor=actor, how="ledger")
        marked += 1
    return marked


# Requests ---------------------------------------------------------------------------------------------------------


def _check_arrangeable(debt: Debt) -> None:
    if debt.status in ARRANGEABLE:
        return
    if debt.status == S.DISPUTED:
        message = _("While we look into your dispute about this invoice, we cannot agree a way to pay it.")
    elif debt.status in (S.PROMISED, S.IN_PLAN):
        message = _("This invoice already has an agreement to pay it.")
    elif debt.status in CLOSED_STATUSES:
        message = _("There is nothing left to pay on this invoice.")
    else:
        message = _("This invoice cannot be arranged here; please contact us.")
    raise DomainError(message, field="debt")


def _check_no_live(debt: Debt) -> None:
    live = Arrangement.objects.live().filter(debt=debt).first()
    if live is None:
        return
    if live.status == A.PENDING:
        message = _("You already asked for an arrangement for this invoice; a person will answer you soon.")
    else:
        message = _("This invoice already has an agreement: %(kind)s.") % {"kind": live.get_kind_display().lower()}
    raise DomainError(message, field="debt")


def _proposal(
    *,
    kind: str,
    debt: Debt,
    balance_minor: int,
    today: dt.date,
    discount_pct: int | None,
    down_payment_minor: int | None,
    instalment_count: int | None,
    frequency: str,
    pay_by: dt.date | None,
) -> options.Proposal:
    if kind == K.SETTLEMENT:
        if discount_pct is None:
            raise DomainError(_("No settlement discount is offered on this invoice."), field="discount_pct")
        return options.settlement_proposal(
            balance_minor=balance_minor, currency=debt.currency, discount_pct=discount_pct, today=today
        )
    if kind == K.PLAN:
        if instalment_count is None:
            raise DomainError(_("Choose the number of instalments."), field="instalment_count")
        return options.plan_proposal(
            balance_minor=balance_minor,
            currency=debt.currency,
            down_payment_minor=down_payment_minor or 0,
            instalment_count=instalment_count,
            frequency=frequency,
            today=today,
        )
    return options.promise_proposal(balance_minor=balance_minor, currency=debt.currency, pay_by=pay_by, today=today)


def arrangement_request(
    *,
    debt: Debt,
    kind: str,
    actor: Actor,
    discount_pct: int | None = None,
    down_payment_minor: int | None = None,
    instalment_count: int | None = None,
    frequency: str = "",
    pay_by: dt.date | None = None,
    note: str = "",
    expected_total_minor: int | None = None,
) -> Arrangement:
    """A debtor (or an agent for them) asks for a settlement, a plan or a promise to pay.

    Inside the margins it is ACTIVE at once with its instalments, and a plan or promise pauses collection (the debt
    becomes in_plan / promised; a settlement keeps the debt as it is until it is paid). Outside the margins, or on a
    debt a person has put on hold, it is PENDING and a case asks a person to decide by the case's reply_by; the
    debt's collection is paused meanwhile (put on hold), and a refusal resumes it. A settlement with no
    `discount_pct` takes the offer of the margins. `expected_total_minor` is the total the debtor was shown: when
    the balance moved since, the request is refused rather than agreed for an amount they did not see. Bad input
    raises DomainError and writes nothing."""
    if kind not in K.values:
        raise DomainError(_("Choose a way to pay."), field="kind")
    note = note.strip()
    if len(note) > MAX_NOTE_LENGTH:
        raise DomainError(_("Please keep your message under %(n)s characters.") % {"n": MAX_NOTE_LENGTH}, field="note")
    with transaction.atomic():
        locked = _lock_debt(debt)
        _check_arrangeable(locked)
        _check_no_live(locked)
        balance = debt_balance_minor(locked)
        margins = margins_for(locked.debtor)  # with the debtor's experiment arm's offer, if any
        today = tenant_today()
        if kind == K.SETTLEMENT and discount_pct is None and margins.max_settlement_discount_pct > 0:
            discount_pct = margins.max_settlement_discount_pct
        proposal = _proposal(
            kind=kind,
            debt=locked,
            balance_minor=balance,
            today=today,
            discount_pct=discount_pct,
            down_payment_minor=down_payment_minor,
            instalment_count=instalment_count,
            frequency=frequency,
            pay_by=pay_by,
        )
        if expected_total_minor is not None and expected_total_minor != proposal.total_minor:
            raise DomainError(
                _("The amount changed since you looked: it is now %(amount)s. Please check it again.")
                % {"amount": _money(proposal.total_minor, locked.currency)},
                field="total",
            )
        found = options.violations(
            proposal, margins=margins, days_overdue=options.days_overdue(locked.due_date, today), today=today
        )
        held = locked.status == S.ON_HOLD
        try:
            with transaction.atomic():
                arrangement = Arrangement.objects.create(
                    debt=locked,
                    kind=kind,
                    status=A.PENDING if found or held else A.ACTIVE,
                    balance_minor=proposal.balance_minor,
                    total_minor=proposal.total_minor,
                    currency=locked.currency,
                    discount_pct=proposal.discount_pct,
                    pay_by=proposal.pay_by,
                    frequency=proposal.frequency,
                    instalment_count=proposal.instalment_count,
                    down_payment_minor=proposal.down_payment_minor,
                    within_margins=not found,
                    created_by_label=actor.label,
                    status_changed_at=timezone.now(),
                )
        except IntegrityError:
            # The debt row lock makes this unreachable for two requests of this code; kept for any other writer.
            raise DomainError(_("This invoice already has an agreement to pay it."), field="debt") from None
        Instalment.objects.bulk_create(
            Instalment(arrangement=arrangement, number=i.number, due_on=i.due_on, amount_minor=i.amount_minor)
            for i in proposal.schedule
        )
        audit_record(
            actor=actor,
            action="arrangement.requested",
            obj=arrangement,
            after={**proposal.as_data(), "violations": [v.rule for v in found]},
            reason=note,
        )
        if arrangement.status == A.ACTIVE:
            _activate(arrangement, locked, actor=actor, reason=_("Agreed within the margins"))
        else:
            _refer(arrangement, locked, proposal=proposal, found=found, note=note, actor=actor)
    return arrangement


def _activate(arrangement: Arrangement, debt: Debt, *, actor: Actor, reason: str) -> Debt:
    """Make an arrangement active and pause the debt's collection for a plan or promise (E5)."""
    with _staff_language():
        why = {
            K.PLAN: _("Payment plan agreed"),
            K.PROMISE: _("Promise to pay agreed"),
            K.SETTLEMENT: _("Settlement agreed"),
        }[ArrangementKind(arrangement.kind)]
    if arrangement.kind in (K.PLAN, K.PROMISE):
        if debt.status == S.ON_HOLD:
            # Only reached on a person's approval: the arrangement replaces the hold (and pauses collection itself).
            debt = debt_resume(debt=debt, actor=actor, reason=why)
        debt = (debt_start_plan if arrangement.kind == K.PLAN else debt_promise)(debt=debt, actor=actor, reason=why)
    if arrangement.decided_at is None:
        arrangement.decided_at = timezone.now()
    _set_status(
        arrangement,
        A.ACTIVE,
        actor=actor,
        action="arrangement.activated",
        reason=reason,
        extra={"debt_status": debt.status},
        fields=("decided_at",),
    )
    return debt


def _refer(
    arrangement: Arrangement,
    debt: Debt,
    *,
    proposal: options.Proposal,
    found: list[options.Violation],
    note: str,
    actor: Actor,
) -> None:
    """Send a request outside the margins to a person (a case), and pause the debt's collection while it waits."""
    with _staff_language():
        label = str(ArrangementKind(arrangement.kind).label)
        subject = _("%(kind)s outside the margins: invoice %(ref)s") % {"kind": label, "ref": debt.external_ref}
        if not found:
            subject = _("%(kind)s on an invoice on hold: %(ref)s") % {"kind": label, "ref": debt.external_ref}
        data = {
            "arrangement": str(arrangement.pk),
            "proposal": proposal.as_data(),
            "violations": [v.as_data() for v in found],
        }
        why = _("Request outside the margins: waiting for a person's answer")
    case = case_open(
        kind=CaseKind.OUT_OF_MARGIN,
        debtor=debt.debtor,
        subject=subject,
        actor=actor,
        debt=debt,
        details=note,
        data=data,
    )
    arrangement.case = case
    arrangement.save(update_fields=["case"])
    if debt.status in (S.OPEN, S.OVERDUE):
        # E5: the debtor is talking to us about paying; no reminders while a person decides. The case remembers the
        # pause, so that deciding it (here or on the case page) resumes exactly what this request paused.
        debt = debt_hold(debt=debt, actor=actor, reason=why)
        case_paused_record(case=case, debts=[debt])


def none_fit_request(*, debt: Debt, details: str, actor: Actor) -> Case:
    """ "None of these fit": the debtor's own words go to a person (a NONE_FIT case with a reply_by). Sent again
    while that case is open, what is new joins it. Collection is not paused: this is a message, not a proposal
    (a debtor who cannot pay at all has the hardship request, which does pause)."""
    details = details.strip()
    if not details:
        raise DomainError(_("Tell us in a few words what would work for you."), field="details")
    if len(details) > MAX_NOTE_LENGTH:
        raise DomainError(
            _("Please keep your message under %(n)s characters.") % {"n": MAX_NOTE_LENGTH}, field="details"
        )
    with transaction.atomic():
        locked = _lock_debt(debt)
        if locked.status not in ACTIVE_STATUSES:
            raise DomainError(_("There is nothing left to pay on this invoice."), field="debt")
        existing = Case.objects.open().filter(kind=CaseKind.NONE_FIT, debt=locked).order_by("created_at").first()
        if existing is not None:
            return case_follow_up(case=existing, details=details, data=None, actor=actor)
        with _staff_language():
            subject = _("No option fits: invoice %(ref)s") % {"ref": locked.external_ref}
        # The case page shows the debt and its balance; the debtor's own words are the request.
        return case_open(
            kind=CaseKind.NONE_FIT, debtor=locked.debtor, subject=subject, actor=actor, debt=locked, details=details
        )


# A person decides -------------------------------------------------------------------------------------------------


def pending_valid_until(arrangement: Arrangement) -> dt.date:
    """The last day a waiting request can still be approved."""
    created = tenant_today(arrangement.created_at)
    last = created + dt.timedelta(days=PENDING_VALID_DAYS)
    return min(last, arrangement.pay_by) if arrangement.pay_by else last


def _locked_pending(arrangement: Arrangement) -> tuple[Debt, Arrangement]:
    debt = _lock_debt(arrangement.debt_id)
    locked = _lock_arrangement(arrangement.pk)
    if locked.status != A.PENDING:
        raise DomainError(
            _("This request is no longer waiting for an answer (it is %(status)s).")
            % {"status": locked.get_status_display().lower()}
        )
    return debt, locked


def _resolve_case(arrangement: Arrangement, *, resolution: str, actor: Actor) -> None:
    if arrangement.case_id is None:
        return
    case = Case.objects.get(pk=arrangement.case_id)
    if case.status == CaseStatus.OPEN:
        case_resolve(case=case, resolution=resolution, actor=actor)


def _resume_paused_by(arrangement: Arrangement, *, actor: Actor, reason: str) -> list[Debt]:
    """Resume the debt this request put on hold, unless another open case holds it too (or it moved on since)."""
    if arrangement.case_id is None:
        return []
    case = Case.objects.get(pk=arrangement.case_id)
    paused = case_paused_debts(case, lock=True)
    return [debt_resume(debt=debt, actor=actor, reason=reason) for debt in paused.resumable if debt.status == S.ON_HOLD]


def arrangement_approve(*, arrangement: Arrangement, actor: Actor, note: str = "") -> Arrangement:
    """A person agrees to a request outside the margins: it becomes active as if it had been inside them. A plan's
    dates move to start today (the debtor asked for "first payment now"); the amounts do not change."""
    note = note.strip()
    with transaction.atomic():
        debt, locked = _locked_pending(arrangement)
        today = tenant_today()
        if today > pending_valid_until(locked):
            raise DomainError(_("This request has expired: decline it and agree a new one with the debtor."))
        if debt.status == S.DISPUTED:
            raise DomainError(_("The debt is disputed: answer the dispute first."))
        if debt.status not in ARRANGEABLE:
            raise DomainError(
                _("The debt is %(status)s: this request can no longer be agreed.")
                % {"status": debt.get_status_display().lower()}
            )
        instalments = _instalments(locked)
        expected = locked.balance_minor - paid_towards_minor(locked)
        balance = debt_balance_minor(debt)
        if balance != expected:
            raise DomainError(
                _(
                    "The balance changed since the request (%(then)s then, %(now)s now): decline it and agree a new "
                    "one with the debtor."
                )
                % {"then": _money(expected, debt.currency), "now": _money(balance, debt.currency)}
            )
        if locked.kind == K.PLAN:
            _redate(locked, instalments, start=today)
        if locked.kind == K.SETTLEMENT and debt.status == S.ON_HOLD:
            # A settlement leaves the debt's status alone: end this request's hold (not another case's).
            resumed = _resume_paused_by(locked, actor=actor, reason=_("Settlement agreed"))
            debt = resumed[0] if resumed else debt
        locked.decided_at = timezone.now()
        locked.decided_by_label = actor.label
        locked.decision_note = note
        locked.save(update_fields=["decided_at", "decided_by_label", "decision_note"])
        audit_record(actor=actor, action="arrangement.approved", obj=locked, reason=note)
        _activate(locked, debt, actor=actor, reason=note or _("Approved outside the margins"))
        with _staff_language():
            _resolve_case(locked, resolution=note or _("Approved: the arrangement is active."), actor=actor)
        _allocate_received(locked, _instalments(locked), actor=actor)
        _complete_if_paid(locked, _lock_debt(debt), _instalments(locked), actor=actor)
    return locked


def _redate(arrangement: Arrangement, instalments: list[Instalment], *, start: dt.date) -> None:
    schedule = options.plan_schedule(
        total_minor=arrangement.total_minor,
        down_payment_minor=arrangement.down_payment_minor or 0,
        instalment_count=arrangement.instalment_count or 1,
        frequency=arrangement.frequency,
        start=start,
    )
    dates = {s.number: s.due_on for s in schedule}
    for instalment in instalments:
        if instalment.due_on != dates[instalment.number]:
            instalment.due_on = dates[instalment.number]
            instalment.save(update_fields=["due_on"])


def arrangement_decline(*, arrangement: Arrangement, actor: Actor, reason: str) -> Arrangement:
    """A person refuses a request outside the margins. Nothing changes for the debt, except that the collection
    this request paused resumes."""
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Say why the request is declined."), field="reason")
    with transaction.atomic():
        _debt, locked = _locked_pending(arrangement)
        locked.decided_at = timezone.now()
        locked.decided_by_label = actor.label
        locked.decision_note = reason
        _set_status(
            locked,
            A.DECLINED,
            actor=actor,
            action="arrangement.declined",
            reason=reason,
            fields=("decided_at", "decided_by_label", "decision_note"),
        )
        _resume_paused_by(locked, actor=actor, reason=reason)
        _resolve_case(locked, resolution=reason, actor=actor)
    return locked


# Instalments paid or missed ----------------------------------------------------------------------------------------


def _complete_if_paid(arrangement: Arrangement, debt: Debt, instalments: list[Instalment], *, actor: Actor) -> bool:
    """Complete an active arrangement whose instalments are all paid. A settlement settles the debt (the rest becomes
    a discount); a plan or promise whose debt still owes something (charges added since) goes back to the schedule."""
    if arrangement.status != A.ACTIVE or any(i.status != InstalmentStatus.PAID for i in instalments):
        return False
    with _staff_language():
        reason = {
            K.SETTLEMENT: _("Settlement paid"),
            K.PLAN: _("Payment plan paid"),
            K.PROMISE: _("Promise to pay kept"),
        }[ArrangementKind(arrangement.kind)]
    if arrangement.kind == K.SETTLEMENT:
        if debt.status in TRANSITIONS["settle"].sources:
            debt_settle(debt=debt, actor=actor, reason=reason)
        elif debt.status not in CLOSED_STATUSES:
            # Disputed meanwhile: settled once the dispute is answered (the daily check tries again).
            return False
    elif debt.status in (S.IN_PLAN, S.PROMISED) and debt_balance_minor(debt) > 0:
        debt_resume(debt=debt, actor=actor, reason=reason)
    _set_status(arrangement, A.COMPLETED, actor=actor, action="arrangement.completed", reason=reason)
    return True


def instalment_paid(*, instalment: Instalment, actor: Actor) -> Instalment:
    """Mark an instalment paid once its money is in the debt's ledger (a card payment, or one a person recorded).

    Idempotent: an instalment already paid is returned as it is. Raises DomainError when the ledger has not
    received enough since the arrangement began to cover it. The last instalment completes the arrangement; for a
    settlement that settles the debt, the rest becoming a discount. A late payment on an arrangement that already
    broke or expired is marked paid but revives nothing (the money simply counts against the balance)."""
    with transaction.atomic():
        arrangement = Arrangement.objects.only("debt_id").get(pk=instalment.arrangement_id)
        debt = _lock_debt(arrangement.debt_id)
        locked = _lock_arrangement(arrangement.pk)
        instalments = _instalments(locked)
        current = next(i for i in instalments if i.pk == instalment.pk)
        if current.status == InstalmentStatus.PAID:
            return current
        unallocated = _unallocated_minor(locked, instalments)
        if unallocated < current.amount_minor:
            raise DomainError(
                _(
                    "Instalment %(number)s (%(amount)s) is not covered by the payments received since the "
                    "arrangement began (%(received)s not yet counted towards an instalment)."
                )
                % {
                    "number": current.number,
                    "amount": _money(current.amount_minor, locked.currency),
                    "received": _money(max(unallocated, 0), locked.currency),
                }
            )
        _mark_paid(current, actor=actor, how="payment")
        _complete_if_paid(locked, debt, instalments, actor=actor)
    return current


def instalment_payment_failed(*, instalment: Instalment, actor: Actor, reason: str) -> Instalment:
    """A charge for this instalment failed (autopay gave up): the instalment is missed and the plan broken, as when
    a date passes unpaid. Nothing happens to an instalment that is no longer due or an arrangement no longer
    active, or when the ledger shows the instalment paid after all."""
    with transaction.atomic():
        arrangement = Arrangement.objects.only("debt_id").get(pk=instalment.arrangement_id)
        debt = _lock_debt(arrangement.debt_id)
        locked = _lock_arrangement(arrangement.pk)
        instalments = _instalments(locked)
        current = next(i for i in instalments if i.pk == instalment.pk)
        audit_record(
            actor=actor,
            action="arrangement.instalment_payment_failed",
            obj=locked,
            after={"instalment": current.number, "amount_minor": current.amount_minor},
            reason=reason[:500],
        )
        if current.status != InstalmentStatus.DUE or locked.status != A.ACTIVE:
            return current
        _allocate_received(locked, instalments, actor=actor)
        if current.status == InstalmentStatus.PAID:
            _complete_if_paid(locked, debt, instalments, actor=actor)
            return current
        _break(locked, debt, [current], actor=actor, reason=reason)
    return current


def _break(arrangement: Arrangement, debt: Debt, missed: list[Instalment], *, actor: Actor, reason: str) -> None:
    """Instalments missed: a settlement expires (its offer lapsed; the debt was never paused); a plan or promise is
    broken, its debt back in the schedule with the policy's broken-promise / missed-instalment step (E5), and a case
    puts it on the agents' worklist."""
    for instalment in missed:
        instalment.status = InstalmentStatus.MISSED
        instalment.save(update_fields=["status"])
    numbers = [i.number for i in missed]
    if arrangement.kind == K.SETTLEMENT:
        _set_status(
            arrangement,
            A.EXPIRED,
            actor=actor,
            action="arrangement.expired",
            reason=reason,
            extra={"missed": numbers},
        )
        return
    step = StepKind.MISSED_INSTALMENT if arrangement.kind == K.PLAN else StepKind.BROKEN_PROMISE
    _set_status(
        arrangement, A.BROKEN, actor=actor, action="arrangement.broken", reason=reason, extra={"missed": numbers}
    )
    with _staff_language():
        if arrangement.kind == K.PLAN:
            subject = _("Payment plan broken: instalment %(n)s missed on invoice %(ref)s") % {
                "n": numbers[0],
                "ref": debt.external_ref,
            }
        else:
            subject = _("Promise to pay broken on invoice %(ref)s") % {"ref": debt.external_ref}
        why = reason or str(StepKind(step).label)
    if debt.status == EXPECTED_DEBT_STATUS[ArrangementKind(arrangement.kind)]:
        debt_promise_broken(debt=debt, kind=step, actor=actor, reason=why)
    case_open(
        kind=CaseKind.MISSED_INSTALMENT if arrangement.kind == K.PLAN else CaseKind.BROKEN_PROMISE,
        debtor=debt.debtor,
        subject=subject,
        actor=actor,
        debt=debt,
        details=reason,
        data={
            "arrangement": str(arrangement.pk),
            "missed": [
                {"number": i.number, "due_on": i.due_on.isoformat(), "amount_minor": i.amount_minor} for i in missed
            ],
            "currency": arrangement.currency,
        },
    )


def instalment_record_payment(
    *, instalment: Instalment, method: str, received_on: dt.date, actor: Actor, note: str = ""
) -> Instalment:
    """A person records an offline payment (transfer, cheque) of exactly this instalment: the ledger entry and the
    instalment together. A second click finds the first entry (the reference is the instalment's)."""
    with transaction.atomic():
        arrangement = Arrangement.objects.select_related("debt").get(pk=instalment.arrangement_id)
        _lock_debt(arrangement.debt_id)
        current = Instalment.objects.get(pk=instalment.pk)
        if current.status == InstalmentStatus.PAID:
            return current
        if arrangement.status not in (A.ACTIVE, A.PENDING):
            raise DomainError(
                _("This arrangement is %(status)s: record the payment on the debt instead.")
                % {"status": arrangement.get_status_display().lower()}
            )
        debt_payment_record(
            debt=arrangement.debt,
            amount_minor=current.amount_minor,
            received_on=received_on,
            method=method,
            reference=f"instalment-{current.pk}",
            note=note or _("Instalment %(n)s") % {"n": current.number},
            actor=actor,
        )
        return instalment_paid(instalment=current, actor=actor)


# The daily check ---------------------------------------------------------------------------------------------------


@dataclasses.dataclass
class DailyReport:
    checked: int = 0
    paid: int = 0
    completed: int = 0
    broken: int = 0
    expired: int = 0
    cancelled: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return dataclasses.asdict(self)


def arrangements_check(*, today: dt.date | None = None) -> DailyReport:
    """The daily check of the current tenant's live arrangements (safe to run twice, or twice at once):
    instalments the ledger shows paid are marked paid; arrangements whose debt closed are completed or cancelled;
    instalments still unpaid MISSED_AFTER_DAYS after their date break their plan or promise (a settlement expires);
    requests nobody answered in time expire, and those whose case a person closed without a decision are cancelled.

    One transaction per arrangement, so one that fails is reported and the others still run. Live arrangements are
    at most one per debt, and each check is a few indexed queries."""
    today = today or tenant_today()
    actor = Actor.system("arrangements daily check")
    report = DailyReport()
    ids = list(Arrangement.objects.live().order_by("created_at").values_list("pk", flat=True))
    for pk in ids:
        try:
            outcome = arrangement_check(arrangement_id=pk, today=today, actor=actor)
        except Exception:
            logger.exception("arrangement %s: daily check failed", pk)
            report.failed += 1
            continue
        report.checked += 1
        for name in outcome:
            setattr(report, name, getattr(report, name) + 1)
    return report


def arrangement_check(*, arrangement_id: Any, today: dt.date, actor: Actor) -> list[str]:
    """Bring one arrangement in step with the ledger and the calendar; what happened, as DailyReport field names."""
    with transaction.atomic():
        arrangement = Arrangement.objects.only("debt_id", "status").get(pk=arrangement_id)
        if arrangement.status not in (A.PENDING, A.ACTIVE):
            return []
        debt = _lock_debt(arrangement.debt_id)
        locked = _lock_arrangement(arrangement_id)
        if locked.status == A.PENDING:
            return _check_pending(locked, debt, today=today, actor=actor)
        if locked.status != A.ACTIVE:
            return []
        return _check_active(locked, debt, today=today, actor=actor)


def _check_pending(arrangement: Arrangement, debt: Debt, *, today: dt.date, actor: Actor) -> list[str]:
    case = Case.objects.filter(pk=arrangement.case_id).first() if arrangement.case_id else None
    if case is not None and case.status == CaseStatus.RESOLVED:
        # Answered on the case page rather than with approve / decline: the case's resolution is the answer.
        with _staff_language():
            reason = _("Its case was resolved without approving it.")
        _set_status(arrangement, A.CANCELLED, actor=actor, action="arrangement.cancelled", reason=reason)
        return ["cancelled"]
    if today <= pending_valid_until(arrangement):
        return []
    with _staff_language():
        reason = _("Nobody answered the request in time.")
    _set_status(arrangement, A.EXPIRED, actor=actor, action="arrangement.expired", reason=reason)
    _resume_paused_by(arrangement, actor=actor, reason=reason)
    _resolve_case(arrangement, resolution=reason, actor=actor)
    return ["expired"]


def _check_active(arrangement: Arrangement, debt: Debt, *, today: dt.date, actor: Actor) -> list[str]:
    outcome: list[str] = []
    instalments = _instalments(arrangement)
    if _allocate_received(arrangement, instalments, actor=actor):
        outcome.append("paid")
    if _complete_if_paid(arrangement, debt, instalments, actor=actor):
        return [*outcome, "completed"]
    if debt.status in CLOSED_STATUSES:
        # Closed by other means (paid in full, settled, written off or cancelled by a person).
        paid_off = debt.status in (S.PAID, S.SETTLED)
        with _staff_language():
            reason = _("The debt is %(status)s.") % {"status": debt.get_status_display().lower()}
        _set_status(
            arrangement,
            A.COMPLETED if paid_off else A.CANCELLED,
            actor=actor,
            action="arrangement.completed" if paid_off else "arrangement.cancelled",
            reason=reason,
        )
        return [*outcome, "completed" if paid_off else "cancelled"]
    cutoff = today - dt.timedelta(days=MISSED_AFTER_DAYS)
    missed = [i for i in instalments if i.status == InstalmentStatus.DUE and i.due_on <= cutoff]
    if not missed:
        return outcome
    if arrangement.kind != K.SETTLEMENT and debt.status in (S.DISPUTED, S.ON_HOLD):
        return outcome  # a person paused this debt: nothing is missed while it is paused
    with _staff_language():
        reason = _("Not paid %(days)s days after its date.") % {"days": MISSED_AFTER_DAYS}
    _break(arrangement, debt, missed, actor=actor, reason=reason)
    return [*outcome, "expired" if arrangement.kind == K.SETTLEMENT else "broken"]
