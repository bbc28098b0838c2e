"""Before a hand-off (C5): what the tenant nets through a collection agency against the best settlement and the best
plan it may agree inside its margins. Plain integer arithmetic on the balance; no database, no clock."""

from __future__ import annotations

import dataclasses
import datetime as dt

from apps.arrangements.options import (
    FREQUENCY_ORDER,
    SettlementOffer,
    days_overdue,
    percent_of,
    plan_limits,
    plan_schedule,
    settlement_offer,
)
from apps.policies.models import Frequency, Margins


class Route:
    AGENCY = "agency"
    SETTLEMENT = "settlement"
    PLAN = "plan"


@dataclasses.dataclass(frozen=True)
class PlanRoute:
    """The longest plan the margins allow for this balance: the least first payment, as many instalments as the
    minimum instalment allows, at the longest allowed interval. It recovers the whole balance."""

    down_payment_minor: int
    instalment_count: int
    frequency: str
    first_instalment_minor: int
    last_due_on: dt.date
    net_minor: int

    @property
    def frequency_label(self) -> str:
        return str(Frequency(self.frequency).label).lower()


@dataclasses.dataclass(frozen=True)
class Comparison:
    balance_minor: int
    currency: str
    commission_pct: int
    agency_commission_minor: int
    agency_net_minor: int
    # The largest discount the margins allow, once the debt is overdue long enough (None: not available).
    settlement: SettlementOffer | None
    settlement_after_days: int
    plan: PlanRoute | None
    best: tuple[str, ...]

    @property
    def settlement_net_minor(self) -> int | None:
        return self.settlement.amount_minor if self.settlement else None

    @property
    def best_net_minor(self) -> int:
        return max(self._nets().values())

    @property
    def agency_shortfall_minor(self) -> int:
        """How much less the agency nets than the best route (0 when the agency is the best)."""
        return self.best_net_minor - self.agency_net_minor

    def _nets(self) -> dict[str, int]:
        nets = {Route.AGENCY: self.agency_net_minor}
        if self.settlement is not None:
            nets[Route.SETTLEMENT] = self.settlement.amount_minor
        if self.plan is not None:
            nets[Route.PLAN] = self.plan.net_minor
        return nets


def agency_commission_minor(balance_minor: int, commission_pct: int) -> int:
    """The agency's share if it recovers the whole balance, rounded up to a whole minor unit (the tenant's net is
    never overstated)."""
    return percent_of(balance_minor, commission_pct)


def _longest_plan(margins: Margins, balance_minor: int, today: dt.date) -> PlanRoute | None:
    limits = plan_limits(margins, balance_minor=balance_minor)
    if not limits.available:
        return None
    frequency = next(f for f in reversed(FREQUENCY_ORDER) if f in limits.frequencies)
    schedule = plan_schedule(
        total_minor=balance_minor,
        down_payment_minor=limits.min_down_payment_minor,
        instalment_count=limits.max_instalments_for_balance,
        frequency=frequency,
        start=today,
    )
    regular = [i for i in schedule if i.number > 0]
    return PlanRoute(
        down_payment_minor=limits.min_down_payment_minor,
        instalment_count=len(regular),
        frequency=str(frequency),
        first_instalment_minor=regular[0].amount_minor,
        last_due_on=schedule[-1].due_on,
        net_minor=sum(i.amount_minor for i in schedule),
    )


def net_recovery_compare(
    margins: Margins,
    *,
    balance_minor: int,
    currency: str,
    due_date: dt.date,
    today: dt.date,
    commission_pct: int | None = None,
) -> Comparison:
    """The three routes for one debt's balance, and which of them nets the tenant the most (ties: all of them)."""
    pct = margins.agency_commission_pct if commission_pct is None else commission_pct
    commission = agency_commission_minor(balance_minor, pct)
    comparison = Comparison(
        balance_minor=balance_minor,
        currency=currency,
        commission_pct=pct,
        agency_commission_minor=commission,
        agency_net_minor=balance_minor - commission,
        settlement=settlement_offer(
            margins, balance_minor=balance_minor, days_overdue=days_overdue(due_date, today), today=today
        ),
        settlement_after_days=margins.settlement_after_days_overdue,
        plan=_longest_plan(margins, balance_minor, today),
        best=(),
    )
    nets = comparison._nets()
    top = max(nets.values())
    order = (Route.PLAN, Route.SETTLEMENT, Route.AGENCY)
    return dataclasses.replace(comparison, best=tuple(r for r in order if nets.get(r) == top))
