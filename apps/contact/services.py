"""Writes of the contact area: SMS opt-outs from STOP replies (US18)."""

from __future__ import annotations

from django.db import transaction

from apps.audit.services import Actor, audit_record
from apps.contact.models import ChannelOptOut, OptOutSource
from apps.debtors.models import ContactPoint, Debtor
from apps.policies.models import Channel


def sms_opt_out_record(
    *, debtor: Debtor, contact_point: ContactPoint | None = None, evidence: str = "", actor: Actor
) -> ChannelOptOut:
    """Stop texting `debtor` after a STOP reply. Idempotent: an active SMS opt-out is kept as it is, so a second
    STOP changes nothing. The gate refuses the next SMS with the rule "stop_keyword"."""
    with transaction.atomic():
        Debtor.objects.select_for_update().filter(pk=debtor.pk).first()
        active = ChannelOptOut.objects.filter(debtor=debtor, channel=Channel.SMS, revoked_at__isnull=True).first()
        if active is not None:
            return active
        opt_out = ChannelOptOut.objects.create(
            debtor=debtor,
            channel=Channel.SMS,
            contact_point=contact_point,
            source=OptOutSource.STOP_KEYWORD,
            evidence=evidence[:2000],
        )
        audit_record(
            actor=actor,
            action="debtor.opt_out",
            obj=debtor,
            after={"channel": Channel.SMS, "source": OptOutSource.STOP_KEYWORD, "contact_point": contact_point},
            reason=evidence[:500],
        )
    return opt_out
