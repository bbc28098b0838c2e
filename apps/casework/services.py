"""Every write to cases. Cases are opened by the portal, the engine and payments, and resolved by staff."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import Actor, audit_record
from apps.casework.models import Case, CaseKind, CaseStatus, Priority
from apps.core.errors import DomainError
from apps.debtors.models import Debtor
from apps.debts.models import Debt

# How long a person has to answer, by kind; the debtor is told this date.
REPLY_WITHIN: dict[str, dt.timedelta] = {
    CaseKind.DISPUTE: dt.timedelta(days=5),
    CaseKind.CHARGEBACK: dt.timedelta(days=3),
    CaseKind.CALLBACK: dt.timedelta(days=0),  # the callback's own time is given
}
DEFAULT_REPLY_WITHIN = dt.timedelta(days=2)
HIGH_PRIORITY = frozenset({CaseKind.DISPUTE, CaseKind.CHARGEBACK, CaseKind.HARDSHIP, CaseKind.NOT_ME})


def case_reply_by(kind: str, now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) + REPLY_WITHIN.get(kind, DEFAULT_REPLY_WITHIN)


def case_open(
    *,
    kind: str,
    debtor: Debtor,
    subject: str,
    actor: Actor,
    debt: Debt | None = None,
    details: str = "",
    data: dict[str, Any] | None = None,
    reply_by: dt.datetime | None = None,
    priority: int | None = None,
) -> Case:
    if kind not in CaseKind.values:
        raise DomainError(_("Unknown case kind “%(kind)s”.") % {"kind": kind})
    if debt is not None and debt.debtor_id != debtor.pk:
        raise DomainError(_("This debt belongs to another debtor."))
    with transaction.atomic():
        case = Case.objects.create(
            kind=kind,
            debtor=debtor,
            debt=debt,
            subject=subject[:200],
            details=details,
            data=data or {},
            reply_by=reply_by or case_reply_by(kind),
            priority=priority or (Priority.HIGH if kind in HIGH_PRIORITY else Priority.NORMAL),
            opened_by_label=actor.label,
        )
        audit_record(
            actor=actor,
            action="case.opened",
            obj=case,
            after={"kind": kind, "debt": debt.pk if debt else None, "reply_by": case.reply_by},
            reason=details[:500],
        )
    return case


def case_resolve(*, case: Case, resolution: str, actor: Actor) -> Case:
    if not resolution.strip():
        raise DomainError(_("Say how the case was resolved."), field="resolution")
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.status == CaseStatus.RESOLVED:
            raise DomainError(_("This case is already resolved."))
        locked.status = CaseStatus.RESOLVED
        locked.resolution = resolution.strip()
        locked.resolved_at = timezone.now()
        locked.save(update_fields=["status", "resolution", "resolved_at", "updated_at"])
        audit_record(
            actor=actor,
            action="case.resolved",
            obj=locked,
            before={"status": CaseStatus.OPEN},
            after={"status": CaseStatus.RESOLVED},
            reason=resolution,
        )
    return locked
