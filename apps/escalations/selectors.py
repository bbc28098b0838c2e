"""Reads behind the escalation panel: what was already done for a debt, what may be done now, and the net-recovery
comparison shown before a hand-off."""

from __future__ import annotations

import dataclasses

from django.db.models import F, QuerySet

from apps.core.dates import tenant_today
from apps.debts.models import ACTIVE_STATUSES, Debt
from apps.debts.services import debt_balance_minor
from apps.escalations.comparison import Comparison, net_recovery_compare
from apps.escalations.models import AgencyHandoff, AttorneyLetter
from apps.escalations.services import attorney_letter_problem, handoff_problem
from apps.experiments.selectors import margins_for


@dataclasses.dataclass(frozen=True)
class Panel:
    debt: Debt
    balance_minor: int
    handoffs: list[AgencyHandoff]
    letters: list[AttorneyLetter]
    comparison: Comparison | None
    letter_problem: str
    handoff_problem: str
    default_commission_pct: int

    @property
    def open_handoff(self) -> AgencyHandoff | None:
        return next((h for h in self.handoffs if h.is_open), None)

    @property
    def can_write_off(self) -> bool:
        return self.debt.status in ACTIVE_STATUSES

    @property
    def has_history(self) -> bool:
        return bool(self.handoffs or self.letters)


def escalation_panel(debt: Debt) -> Panel:
    balance = debt_balance_minor(debt)
    # The offers this debtor is actually given (an experiment arm may change the settlement discount).
    margins = margins_for(debt.debtor)
    letter_problem = attorney_letter_problem(debt)
    problem = handoff_problem(debt)
    comparison = None
    if balance > 0 and debt.status in ACTIVE_STATUSES:
        comparison = net_recovery_compare(
            margins, balance_minor=balance, currency=debt.currency, due_date=debt.due_date, today=tenant_today()
        )
    return Panel(
        debt=debt,
        balance_minor=balance,
        handoffs=list(AgencyHandoff.objects.filter(debt=debt)),
        letters=list(AttorneyLetter.objects.filter(debt=debt).select_related("message")),
        comparison=comparison,
        letter_problem=letter_problem,
        handoff_problem=problem,
        default_commission_pct=margins.agency_commission_pct,
    )


def handoffs_list() -> QuerySet[AgencyHandoff]:
    """Every hand-off, open ones first, newest first, with their debts (for the escalations page)."""
    handoffs = AgencyHandoff.objects.select_related("debt", "debt__debtor")
    return handoffs.order_by(F("ended_at").desc(nulls_first=True), "-handed_off_at")
