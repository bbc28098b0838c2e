"""Writes of the contact area: per-channel opt-outs (STOP replies, unsubscribe links, staff, portal)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from apps.audit.services import Actor, audit_record
from apps.contact.models import ChannelOptOut, OptOutSource
from apps.debtors.models import ContactPoint, Debtor
from apps.policies.models import Channel


def opt_out_record(
    *,
    debtor: Debtor,
    channel: str,
    source: str,
    contact_point: ContactPoint | None = None,
    evidence: str = "",
    actor: Actor,
) -> ChannelOptOut:
    """Stop `channel` for `debtor`. Idempotent: an active opt-out for the channel is kept as it is."""
    with transaction.atomic():
        Debtor.objects.select_for_update().filter(pk=debtor.pk).first()
        active = ChannelOptOut.objects.filter(debtor=debtor, channel=channel, revoked_at__isnull=True).first()
        if active is not None:
            return active
        opt_out = ChannelOptOut.objects.create(
            debtor=debtor, channel=channel, contact_point=contact_point, source=source, evidence=evidence[:2000]
        )
        audit_record(
            actor=actor,
            action="debtor.opt_out",
            obj=debtor,
            after={"channel": channel, "source": source, "contact_point": contact_point},
            reason=evidence[:500],
        )
    return opt_out


def opt_out_revoke(*, debtor: Debtor, channel: str, evidence: str = "", actor: Actor) -> ChannelOptOut | None:
    """Allow `channel` again for `debtor`, at the debtor's own request. Idempotent: None when nothing was stopped.

    The row is kept (revoked_at set), so when and how the debtor opted out stays on record."""
    with transaction.atomic():
        Debtor.objects.select_for_update().filter(pk=debtor.pk).first()
        active = (
            ChannelOptOut.objects.select_for_update()
            .filter(debtor=debtor, channel=channel, revoked_at__isnull=True)
            .first()
        )
        if active is None:
            return None
        active.revoked_at = timezone.now()
        active.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="debtor.opt_in",
            obj=debtor,
            before={"channel": channel, "source": active.source},
            after={"channel": channel, "revoked_at": active.revoked_at},
            reason=evidence[:500],
        )
    return active


def sms_opt_out_record(
    *, debtor: Debtor, contact_point: ContactPoint | None = None, evidence: str = "", actor: Actor
) -> ChannelOptOut:
    """Stop texting `debtor` after a STOP reply; the gate refuses the next SMS with the rule "stop_keyword"."""
    return opt_out_record(
        debtor=debtor,
        channel=Channel.SMS,
        source=OptOutSource.STOP_KEYWORD,
        contact_point=contact_point,
        evidence=evidence,
        actor=actor,
    )
