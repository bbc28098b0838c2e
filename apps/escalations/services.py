"""Every escalation of a debt (C5): an attorney letter through the outbox, a hand-off to a collection agency (and
its end), a write-off. Each says why, is audited, and refuses clearly what the debt's state or the law does not allow.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.arrangements.models import Arrangement
from apps.audit.services import Actor, audit_record
from apps.contact.gate import ContactRequest, Verdict, gate_decide
from apps.contact.models import GateOutcome
from apps.core.dates import tenant_today
from apps.core.errors import DomainError
from apps.core.tenancy import current_tenant
from apps.debtors.models import ContactKind, ContactPoint
from apps.debts.models import ACTIVE_STATUSES, Debt, DebtStatus
from apps.debts.services import TRANSITIONS, debt_balance_minor, debt_escalate, debt_resume, debt_write_off
from apps.escalations.comparison import agency_commission_minor
from apps.escalations.models import AgencyHandoff, AttorneyLetter
from apps.outbox.models import Source
from apps.outbox.services import message_enqueue
from apps.policies.defaults import ATTORNEY_LETTER_KEY
from apps.policies.models import Channel, MessageTemplate
from apps.policies.rendering import render_message
from apps.policies.selectors import template_get
from apps.policies.services import template_check_for
from apps.portal.links import portal_link

# An attorney letter is for a debt in collection: not one in an arrangement, disputed, on hold or with an agency.
ATTORNEY_LETTER_STATUSES = frozenset({DebtStatus.OVERDUE})
MAX_TEXT = 2000


class AttorneyLetterRefused(DomainError):
    """The contact gate refused the letter (time-barred, cease, attorney, no address ...). Its decision is recorded."""

    def __init__(self, verdict: Verdict, debt: Debt) -> None:
        super().__init__(
            _("The attorney letter for %(ref)s was not sent: %(why)s")
            % {"ref": debt.external_ref, "why": verdict.detail or verdict.rule},
            code=verdict.rule,
        )
        self.verdict = verdict


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why."), field="reason")
    if len(reason) > MAX_TEXT:
        raise DomainError(_("Keep the reason under %(n)s characters.") % {"n": MAX_TEXT}, field="reason")
    return reason


def _lock(debt: Debt) -> Debt:
    return Debt.objects.select_related("debtor").select_for_update(of=("self",)).get(pk=debt.pk)


def open_handoff(debt: Debt) -> AgencyHandoff | None:
    return AgencyHandoff.objects.filter(debt=debt, ended_at__isnull=True).first()


# Attorney letter ------------------------------------------------------------------------------------------------


def attorney_letter_problem(debt: Debt) -> str:
    """Why an attorney letter cannot go for `debt` now ("" when it can; the contact gate still decides)."""
    if debt.status not in ATTORNEY_LETTER_STATUSES:
        return _("An attorney letter goes only for an overdue debt; %(ref)s is %(status)s.") % {
            "ref": debt.external_ref,
            "status": debt.get_status_display().lower(),
        }
    if debt_balance_minor(debt) <= 0:
        return _("Nothing is left to pay on %(ref)s.") % {"ref": debt.external_ref}
    us = getattr(current_tenant(), "jurisdiction", "") == "US"
    if us and debt.validation_ends_on is not None and debt.validation_ends_on >= tenant_today():
        # US12: nothing may overshadow the debtor's right to dispute during the validation period.
        return _(
            "The validation period of %(ref)s runs until %(day)s: a letter announcing legal steps before then would "
            "overshadow the debtor's right to dispute."
        ) % {"ref": debt.external_ref, "day": debt.validation_ends_on.isoformat()}
    return ""


def _attorney_template(debt: Debt) -> MessageTemplate:
    tenant = current_tenant()
    locale = debt.debtor.preferred_language or getattr(tenant, "default_locale", "en") or "en"
    template = template_get(ATTORNEY_LETTER_KEY, Channel.LETTER, locale)
    if template is None:
        raise DomainError(
            _("There is no attorney letter template: create the letter template “%(key)s” first.")
            % {"key": ATTORNEY_LETTER_KEY}
        )
    check = template_check_for(template)
    if not check.ok:
        raise DomainError(
            _("The attorney letter template (%(locale)s) does not pass the letter checks: %(errors)s")
            % {"locale": template.locale, "errors": " ".join(check.errors)}
        )
    if not template.is_legal:
        # The gate's time-barred rule reads this flag: a letter announcing an attorney must carry it.
        raise DomainError(
            _("The attorney letter template (%(locale)s) must be marked “mentions legal action”.")
            % {"locale": template.locale}
        )
    return template


def attorney_letter_send(*, debt: Debt, reason: str, actor: Actor) -> tuple[AttorneyLetter, Verdict]:
    """Send the attorney letter for `debt` through the contact gate and the outbox.

    Refused (AttorneyLetterRefused) when the gate denies it, e.g. a time-barred debt (US15): nothing is written but
    the gate's recorded decision. Deferred by a cap: written to go when the gate allows. Sending twice on one day
    gives the first letter."""
    reason = _reason(reason)
    debt = Debt.objects.select_related("debtor").get(pk=debt.pk)
    problem = attorney_letter_problem(debt)
    if problem:
        raise DomainError(problem)
    template = _attorney_template(debt)
    debtor = debt.debtor
    addresses = ContactPoint.objects.filter(debtor=debtor, kind=ContactKind.ADDRESS)
    address = addresses.order_by("-is_primary", "created_at").first()
    # The decision is recorded whatever it is, outside the letter's transaction (a refusal writes nothing else).
    verdict = gate_decide(
        ContactRequest(
            debtor=debtor,
            channel=Channel.LETTER,
            at=timezone.now(),
            debts=(debt,),
            contact_point=address,
            template=template,
            source=Source.MANUAL,
            actor_label=actor.label,
        )
    )
    if verdict.outcome == GateOutcome.DENY:
        raise AttorneyLetterRefused(verdict, debt)
    with transaction.atomic():
        locked = _lock(debt)
        problem = attorney_letter_problem(locked)
        if problem:
            raise DomainError(problem)
        rendered = render_message(
            template=template,
            debtor=debtor,
            debts=[locked],
            tenant=current_tenant(),
            links={"portal_link": portal_link(debtor)},
        )
        message = message_enqueue(
            idempotency_key=f"attorney-letter:{tenant_today()}:{locked.pk}",
            debtor=debtor,
            debts=[locked],
            channel=Channel.LETTER,
            contact_point=address,
            template=template,
            rendered=rendered,
            stage=template.stage,
            source=Source.MANUAL,
            not_before=verdict.defer_until,
            actor_label=actor.label,
        )
        letter, created = AttorneyLetter.objects.get_or_create(
            message=message,
            defaults={"debt": locked, "reason": reason, "sent_at": timezone.now(), "sent_by_label": actor.label[:200]},
        )
        if created:
            audit_record(
                actor=actor,
                action="escalation.attorney_letter",
                obj=letter,
                object_repr=f"{locked.external_ref}: {template.subject[:150]}",
                after={
                    "debt": locked.external_ref,
                    "message": str(message.pk),
                    "locale": template.locale,
                    "gate": verdict.outcome,
                    "deferred_until": verdict.defer_until.isoformat() if verdict.defer_until else None,
                },
                reason=reason,
            )
    return letter, verdict


# Agency hand-off ------------------------------------------------------------------------------------------------


def handoff_problem(debt: Debt) -> str:
    """Why `debt` cannot be handed to an agency now ("" when it can)."""
    if open_handoff(debt) is not None:
        return _("%(ref)s is already with an agency.") % {"ref": debt.external_ref}
    if debt.status not in TRANSITIONS["escalate"].sources:
        return _("%(ref)s cannot be handed off while it is %(status)s.") % {
            "ref": debt.external_ref,
            "status": debt.get_status_display().lower(),
        }
    if Arrangement.objects.live().filter(debt=debt).exists():
        # An agency collecting while a plan or a request runs would ask the debtor twice.
        return _("%(ref)s has a payment arrangement running or waiting for a reply: decide on it first.") % {
            "ref": debt.external_ref
        }
    if debt_balance_minor(debt) <= 0:
        return _("Nothing is left to pay on %(ref)s.") % {"ref": debt.external_ref}
    return ""


def agency_handoff(*, debt: Debt, agency_name: str, commission_pct: int, reason: str, actor: Actor) -> AgencyHandoff:
    """Hand `debt` to a collection agency: the debt becomes escalated, so the engine stops collecting it."""
    reason = _reason(reason)
    agency_name = (agency_name or "").strip()
    if not agency_name:
        raise DomainError(_("Name the agency."), field="agency_name")
    if len(agency_name) > 200:
        raise DomainError(_("Keep the agency's name under 200 characters."), field="agency_name")
    if not 0 <= commission_pct <= 100:
        raise DomainError(_("A percentage is between 0 and 100."), field="commission_pct")
    with transaction.atomic():
        locked = _lock(debt)
        problem = handoff_problem(locked)
        if problem:
            raise DomainError(problem)
        balance = debt_balance_minor(locked)
        why = _("Handed to %(agency)s: %(reason)s") % {"agency": agency_name, "reason": reason}
        escalated = debt_escalate(debt=locked, actor=actor, reason=why)
        handoff = AgencyHandoff.objects.create(
            debt=escalated,
            agency_name=agency_name,
            commission_pct=commission_pct,
            balance_minor=balance,
            expected_net_minor=balance - agency_commission_minor(balance, commission_pct),
            currency=escalated.currency,
            reason=reason,
            handed_off_at=timezone.now(),
            handed_off_by_label=actor.label[:200],
        )
        audit_record(
            actor=actor,
            action="escalation.agency_handoff",
            obj=handoff,
            object_repr=f"{escalated.external_ref} → {agency_name}",
            after={
                "debt": escalated.external_ref,
                "agency_name": agency_name,
                "commission_pct": commission_pct,
                "balance_minor": balance,
                "expected_net_minor": handoff.expected_net_minor,
                "currency": handoff.currency,
            },
            reason=reason,
        )
    return handoff


def _end(handoff: AgencyHandoff, *, reason: str, actor: Actor) -> AgencyHandoff:
    handoff.ended_at = timezone.now()
    handoff.ended_by_label = actor.label[:200]
    handoff.end_reason = reason
    handoff.save(update_fields=["ended_at", "ended_by_label", "end_reason"])
    audit_record(
        actor=actor,
        action="escalation.handoff_ended",
        obj=handoff,
        object_repr=f"{handoff.debt.external_ref} → {handoff.agency_name}",
        before={"ended_at": None},
        after={"ended_at": handoff.ended_at.isoformat(), "debt_status": handoff.debt.status},
        reason=reason,
    )
    return handoff


def agency_handoff_recall(*, handoff: AgencyHandoff, reason: str, actor: Actor) -> AgencyHandoff:
    """Take a debt back from the agency: the hand-off ends and, if the debt is still escalated, it is open or overdue
    again, so the policy's next step due for its age follows (steps already acted on are not repeated)."""
    reason = _reason(reason)
    with transaction.atomic():
        locked = AgencyHandoff.objects.select_for_update().get(pk=handoff.pk)
        if locked.ended_at is not None:
            raise DomainError(_("This hand-off has already ended."))
        debt = _lock(locked.debt)
        if debt.status == DebtStatus.ESCALATED:
            debt = debt_resume(debt=debt, actor=actor, reason=reason)
        locked.debt = debt
        return _end(locked, reason=reason, actor=actor)


# Write-off ------------------------------------------------------------------------------------------------------


def escalation_write_off(*, debt: Debt, reason: str, actor: Actor) -> Debt:
    """Write the rest of `debt` off (a ledger line and the written-off status); an open hand-off ends with it."""
    reason = _reason(reason)
    with transaction.atomic():
        locked = _lock(debt)
        if locked.status not in ACTIVE_STATUSES:
            raise DomainError(
                _("%(ref)s is %(status)s: there is nothing to write off.")
                % {"ref": locked.external_ref, "status": locked.get_status_display().lower()}
            )
        written_off = debt_write_off(debt=locked, actor=actor, reason=reason)
        handoff = AgencyHandoff.objects.select_for_update().filter(debt=written_off, ended_at__isnull=True).first()
        if handoff is not None:
            handoff.debt = written_off
            _end(handoff, reason=reason, actor=actor)
    return written_off
