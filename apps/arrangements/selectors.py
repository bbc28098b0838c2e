"""Reads for arrangements: a debtor's options and arrangements in the portal (always scoped to that debtor), and a
debt's arrangements on the staff debt page."""

from __future__ import annotations

import dataclasses
import uuid

from django.db.models import OuterRef, Prefetch, Subquery

from apps.arrangements import options
from apps.arrangements.models import Arrangement, ArrangementStatus, Instalment, InstalmentStatus
from apps.core.dates import tenant_today
from apps.debtors.models import Debtor
from apps.debts.models import ACTIVE_STATUSES, Debt
from apps.debts.services import debt_balance_minor
from apps.experiments.selectors import margins_for
from apps.policies.models import Margins


def portal_debt(debtor: Debtor, debt_id: uuid.UUID | str) -> Debt | None:
    """One of this debtor's debts still being collected; another debtor's debt is None, like a missing one."""
    return Debt.objects.filter(debtor=debtor, pk=debt_id, status__in=ACTIVE_STATUSES).first()


def portal_arrangement(debtor: Debtor, debt_id: uuid.UUID | str, arrangement_id: uuid.UUID | str) -> Arrangement | None:
    """An arrangement of this debtor's debt (whatever became of the debt since), with its instalments and case."""
    return (
        Arrangement.objects.filter(pk=arrangement_id, debt_id=debt_id, debt__debtor=debtor)
        .select_related("debt", "case")
        .prefetch_related(Prefetch("instalments", queryset=Instalment.objects.order_by("number")))
        .first()
    )


def live_arrangement_annotations() -> dict[str, Subquery]:
    """Annotations for a Debt queryset naming its live arrangement (kind, status, id) in the same query, so that a
    list of debts shows them without a query per debt."""
    live = Arrangement.objects.live().filter(debt=OuterRef("pk")).order_by("-created_at")
    return {
        "live_arrangement_id": Subquery(live.values("pk")[:1]),
        "live_arrangement_kind": Subquery(live.values("kind")[:1]),
        "live_arrangement_status": Subquery(live.values("status")[:1]),
    }


def live_arrangement(debt: Debt) -> Arrangement | None:
    return (
        Arrangement.objects.live()
        .filter(debt=debt)
        .select_related("case")
        .prefetch_related(Prefetch("instalments", queryset=Instalment.objects.order_by("number")))
        .first()
    )


@dataclasses.dataclass(frozen=True)
class DebtOptions:
    debt: Debt
    options: options.Options
    live: Arrangement | None
    margins: Margins


def debt_options(debt: Debt) -> DebtOptions:
    """What the debtor may choose for this debt today, from the margins (with the debtor's experiment arm's offer,
    apps.experiments) and the ledger's balance."""
    margins = margins_for(debt.debtor)
    computed = options.debt_options(
        margins,
        balance_minor=debt_balance_minor(debt),
        currency=debt.currency,
        due_date=debt.due_date,
        today=tenant_today(),
    )
    return DebtOptions(debt, computed, live_arrangement(debt), margins)


def next_instalment(arrangement: Arrangement) -> Instalment | None:
    """The next instalment to pay on an active arrangement (from its prefetched instalments)."""
    if arrangement.status != ArrangementStatus.ACTIVE:
        return None
    return next((i for i in arrangement.instalments.all() if i.status == InstalmentStatus.DUE), None)


def debt_arrangements(debt: Debt) -> list[Arrangement]:
    """Every arrangement of a debt, newest first, with instalments and case, for the staff debt page."""
    return list(
        Arrangement.objects.filter(debt=debt)
        .select_related("case")
        .prefetch_related(Prefetch("instalments", queryset=Instalment.objects.order_by("number")))
        .order_by("-created_at")
    )
