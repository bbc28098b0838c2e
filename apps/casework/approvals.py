"""Reads of the approval queue (C4): agreements beyond the margins waiting for a manager, with what was proposed,
which margins it is outside of, and until when it can still be approved."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.db.models import OuterRef, Prefetch, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from apps.arrangements.models import Arrangement, ArrangementStatus, Instalment
from apps.arrangements.services import pending_valid_until
from apps.debts.models import LedgerEntry


@dataclasses.dataclass(frozen=True)
class Pending:
    arrangement: Arrangement
    instalments: list[Instalment]
    violations: list[str]
    valid_until: dt.date
    balance_now_minor: int

    @property
    def balance_moved(self) -> bool:
        return self.balance_now_minor != self.arrangement.balance_minor


def approval_queue() -> list[Pending]:
    """Pending agreements, the one whose debtor was promised an answer soonest first; three queries."""
    balance = (
        LedgerEntry.objects.filter(debt_id=OuterRef("debt_id"))
        .order_by()
        .values("debt_id")
        .annotate(total=Sum("amount_minor"))
        .values("total")
    )
    pending = (
        Arrangement.objects.filter(status=ArrangementStatus.PENDING)
        .select_related("debt", "debt__debtor", "case", "case__assigned_to")
        .prefetch_related(Prefetch("instalments", queryset=Instalment.objects.order_by("number")))
        .annotate(balance_now=Coalesce(Subquery(balance), Value(0)))
        .order_by("case__reply_by", "created_at")
    )
    rows = []
    for arrangement in pending:
        case_data: dict[str, Any] = arrangement.case.data if arrangement.case is not None else {}
        rows.append(
            Pending(
                arrangement=arrangement,
                instalments=list(arrangement.instalments.all()),
                violations=[str(v.get("message") or v.get("rule")) for v in case_data.get("violations", [])],
                valid_until=pending_valid_until(arrangement),
                balance_now_minor=int(arrangement.balance_now),  # type: ignore[attr-defined]
            )
        )
    return rows
