"""What a debtor may choose for one debt, computed from the tenant's margins (R3) alone: no database, no clock.

The callers pass the balance (the ledger sum) and the tenant's today; everything here is plain arithmetic on integer
minor units, so the property tests can check it for any margins and any choice."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Sequence

from babel.dates import format_date
from dateutil.relativedelta import relativedelta
from django.utils.translation import get_language, ngettext, pgettext
from django.utils.translation import gettext as _

from apps.core.errors import DomainError
from apps.core.money import format_money
from apps.policies.models import Frequency, Margins

# A settlement offer stays open this long: long enough to arrange the money, short enough to be an offer.
SETTLEMENT_VALID_DAYS = 14
# What a debtor may ask for at all, in or out of the margins: beyond these a request is refused as bad input rather
# than sent to a person (nobody agrees a 20-year plan or a promise for next year from a form).
MAX_INSTALMENTS_ASKED = 60
MAX_PROMISE_DAYS_ASKED = 365
# The plan the builder shows first, when the margins allow it.
DEFAULT_INSTALMENT_COUNT = 3

FREQUENCY_ORDER = [Frequency.WEEKLY, Frequency.FORTNIGHTLY, Frequency.MONTHLY]


class Kind:
    """The arrangement kinds (the same values as ArrangementKind, kept here so this module needs no app models)."""

    SETTLEMENT = "settlement"
    PLAN = "plan"
    PROMISE = "promise"


def days_overdue(due_date: dt.date, today: dt.date) -> int:
    return max((today - due_date).days, 0)


def percent_of(amount_minor: int, pct: int) -> int:
    """`pct` percent of an amount, rounded up to a whole minor unit (a minimum is never rounded below itself)."""
    return math.ceil(amount_minor * pct / 100) if amount_minor > 0 else 0


def settlement_amount(balance_minor: int, discount_pct: int) -> int:
    """What the debtor pays for a settlement at `discount_pct`. Rounded up to a whole minor unit, so the discount
    given is never more than the percentage: integer arithmetic, no fraction of a cent anywhere."""
    return balance_minor - (balance_minor * discount_pct) // 100


# The schedule ------------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ScheduledInstalment:
    number: int  # 0: the down payment
    due_on: dt.date
    amount_minor: int


def due_date_after(start: dt.date, frequency: str, periods: int) -> dt.date:
    """The date `periods` periods after `start`. Months are counted from the start each time, so a plan begun on
    31 January falls due on 28 (29) February, 31 March, 30 April ... and never drifts to the 28th for good."""
    match frequency:
        case Frequency.WEEKLY:
            return start + dt.timedelta(weeks=periods)
        case Frequency.FORTNIGHTLY:
            return start + dt.timedelta(weeks=2 * periods)
        case Frequency.MONTHLY:
            return start + relativedelta(months=periods)  # type: ignore[no-any-return]
    raise ValueError(frequency)


def split_evenly(total_minor: int, count: int) -> list[int]:
    """`count` amounts that add up to exactly `total_minor`: the remainder goes one minor unit at a time to the first
    ones, so no two differ by more than one unit and the same inputs always give the same split."""
    base, remainder = divmod(total_minor, count)
    return [base + 1 if i < remainder else base for i in range(count)]


def plan_schedule(
    *, total_minor: int, down_payment_minor: int, instalment_count: int, frequency: str, start: dt.date
) -> list[ScheduledInstalment]:
    """A plan's dated instalments: the down payment (number 0, due on `start`) when there is one, then
    `instalment_count` instalments one period apart, the first one period after `start`. They add up to
    `total_minor` exactly. The caller has validated the inputs (see `plan_proposal`)."""
    if instalment_count < 1 or down_payment_minor < 0 or total_minor - down_payment_minor < instalment_count:
        raise ValueError("invalid plan")
    schedule = []
    if down_payment_minor > 0:
        schedule.append(ScheduledInstalment(0, start, down_payment_minor))
    amounts = split_evenly(total_minor - down_payment_minor, instalment_count)
    for number, amount in enumerate(amounts, start=1):
        schedule.append(ScheduledInstalment(number, due_date_after(start, frequency, number), amount))
    return schedule


# What a debtor asks for -------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Proposal:
    """A complete, valid request: what the debtor pays, when. Whether it is inside the margins is `violations`."""

    kind: str
    balance_minor: int
    total_minor: int
    currency: str
    schedule: tuple[ScheduledInstalment, ...]
    discount_pct: int | None = None
    pay_by: dt.date | None = None
    frequency: str = ""
    instalment_count: int | None = None
    down_payment_minor: int | None = None

    @property
    def saving_minor(self) -> int:
        return self.balance_minor - self.total_minor

    def as_data(self) -> dict[str, object]:
        """The proposal as JSON-ready data (the case a person answers keeps it)."""
        return {
            "kind": self.kind,
            "balance_minor": self.balance_minor,
            "total_minor": self.total_minor,
            "currency": self.currency,
            "discount_pct": self.discount_pct,
            "pay_by": self.pay_by.isoformat() if self.pay_by else None,
            "frequency": self.frequency,
            "instalment_count": self.instalment_count,
            "down_payment_minor": self.down_payment_minor,
            "schedule": [
                {"number": i.number, "due_on": i.due_on.isoformat(), "amount_minor": i.amount_minor}
                for i in self.schedule
            ],
        }


def _check_balance(balance_minor: int) -> None:
    if balance_minor <= 0:
        raise DomainError(_("There is nothing left to pay on this invoice."), field="debt")


def settlement_proposal(*, balance_minor: int, currency: str, discount_pct: int, today: dt.date) -> Proposal:
    _check_balance(balance_minor)
    if not 1 <= discount_pct <= 99:
        raise DomainError(_("A settlement discount is between 1 and 99 percent."), field="discount_pct")
    total = settlement_amount(balance_minor, discount_pct)
    if total >= balance_minor:
        raise DomainError(_("This amount is too small for a discount."), field="discount_pct")
    expires = today + dt.timedelta(days=SETTLEMENT_VALID_DAYS)
    return Proposal(
        kind=Kind.SETTLEMENT,
        balance_minor=balance_minor,
        total_minor=total,
        currency=currency,
        schedule=(ScheduledInstalment(1, expires, total),),
        discount_pct=discount_pct,
        pay_by=expires,
    )


def plan_proposal(
    *,
    balance_minor: int,
    currency: str,
    down_payment_minor: int,
    instalment_count: int,
    frequency: str,
    today: dt.date,
) -> Proposal:
    _check_balance(balance_minor)
    if frequency not in Frequency.values:
        raise DomainError(_("Choose how often you would pay."), field="frequency")
    if instalment_count < 1:
        raise DomainError(_("Choose at least one instalment."), field="instalment_count")
    if instalment_count > MAX_INSTALMENTS_ASKED:
        raise DomainError(
            _("A plan can have at most %(n)s instalments.") % {"n": MAX_INSTALMENTS_ASKED}, field="instalment_count"
        )
    if down_payment_minor < 0:
        raise DomainError(_("The first payment cannot be negative."), field="down_payment")
    if down_payment_minor >= balance_minor:
        raise DomainError(
            _("This first payment is the whole amount: choose “Pay in full” instead."), field="down_payment"
        )
    if balance_minor - down_payment_minor < instalment_count:
        raise DomainError(
            _("What is left after the first payment is too small for %(n)s instalments.") % {"n": instalment_count},
            field="instalment_count",
        )
    schedule = plan_schedule(
        total_minor=balance_minor,
        down_payment_minor=down_payment_minor,
        instalment_count=instalment_count,
        frequency=frequency,
        start=today,
    )
    return Proposal(
        kind=Kind.PLAN,
        balance_minor=balance_minor,
        total_minor=balance_minor,
        currency=currency,
        schedule=tuple(schedule),
        frequency=frequency,
        instalment_count=instalment_count,
        down_payment_minor=down_payment_minor,
    )


def promise_proposal(*, balance_minor: int, currency: str, pay_by: dt.date | None, today: dt.date) -> Proposal:
    _check_balance(balance_minor)
    if pay_by is None:
        raise DomainError(_("Choose the date you will pay by."), field="pay_by")
    if pay_by < today:
        raise DomainError(_("Choose a date from today on."), field="pay_by")
    if pay_by > today + dt.timedelta(days=MAX_PROMISE_DAYS_ASKED):
        raise DomainError(_("Choose a date within the next twelve months."), field="pay_by")
    return Proposal(
        kind=Kind.PROMISE,
        balance_minor=balance_minor,
        total_minor=balance_minor,
        currency=currency,
        schedule=(ScheduledInstalment(1, pay_by, balance_minor),),
        pay_by=pay_by,
    )


# The margins ------------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Violation:
    """One margin a proposal is outside of: which limit, the limit, and the value asked for. `message` says it in
    words in the active language (the debtor's on the portal, the tenant's in a case)."""

    rule: str
    limit: object
    value: object
    currency: str = ""

    @property
    def message(self) -> str:
        money = lambda minor: format_money(int(minor), self.currency, _active_locale())  # noqa: E731
        match self.rule:
            case "settlement_too_early":
                return ngettext(
                    "A settlement is offered once an invoice is %(limit)s day overdue; this one is %(value)s.",
                    "A settlement is offered once an invoice is %(limit)s days overdue; this one is %(value)s.",
                    int(self.limit),  # type: ignore[call-overload]
                ) % {"limit": self.limit, "value": self.value}
            case "settlement_discount":
                return _("The discount asked for is %(value)s%%; we can agree at once up to %(limit)s%%.") % {
                    "value": self.value,
                    "limit": self.limit,
                }
            case "down_payment":
                return _("The first payment is %(value)s; we can agree at once from %(limit)s.") % {
                    "value": money(self.value),
                    "limit": money(self.limit),
                }
            case "instalment_count":
                return _("The plan has %(value)s instalments; we can agree at once to at most %(limit)s.") % {
                    "value": self.value,
                    "limit": self.limit,
                }
            case "instalment_amount":
                return _("The smallest instalment is %(value)s; we can agree at once from %(limit)s.") % {
                    "value": money(self.value),
                    "limit": money(self.limit),
                }
            case "frequency":
                allowed = ", ".join(str(Frequency(f).label).lower() for f in self.limit)  # type: ignore[attr-defined]
                return _("Paying %(value)s is not something we can agree at once (we can: %(allowed)s).") % {
                    "value": str(Frequency(str(self.value)).label).lower(),
                    "allowed": allowed,
                }
            case "promise_date":
                return _("The date is %(value)s; we can agree at once to a date up to %(limit)s.") % {
                    "value": _long_date(self.value),
                    "limit": _long_date(self.limit),
                }
        return pgettext("margin rule", "Outside the margins: %(rule)s") % {"rule": self.rule}

    def as_data(self) -> dict[str, object]:
        def plain(value: object) -> object:
            if isinstance(value, dt.date):
                return value.isoformat()
            if isinstance(value, tuple | list):
                return [str(v) for v in value]
            return value

        return {"rule": self.rule, "limit": plain(self.limit), "value": plain(self.value), "message": self.message}


def _active_locale() -> str:
    return get_language() or "en"


def _long_date(value: object) -> str:
    assert isinstance(value, dt.date)
    return str(format_date(value, format="long", locale=_active_locale().replace("-", "_")))


def allowed_frequencies(margins: Margins) -> list[str]:
    """The margins' frequencies in the order a person reads them (weekly first)."""
    allowed = set(margins.allowed_frequencies or [])
    return [f for f in FREQUENCY_ORDER if f in allowed]


def min_down_payment_minor(margins: Margins, balance_minor: int) -> int:
    return percent_of(balance_minor, margins.min_down_payment_pct)


def violations(proposal: Proposal, *, margins: Margins, days_overdue: int, today: dt.date) -> list[Violation]:
    """Every margin the proposal is outside of; none means the portal agrees to it at once."""
    found: list[Violation] = []
    match proposal.kind:
        case Kind.SETTLEMENT:
            if days_overdue < margins.settlement_after_days_overdue:
                found.append(Violation("settlement_too_early", margins.settlement_after_days_overdue, days_overdue))
            if (proposal.discount_pct or 0) > margins.max_settlement_discount_pct:
                found.append(
                    Violation("settlement_discount", margins.max_settlement_discount_pct, proposal.discount_pct)
                )
        case Kind.PLAN:
            down = proposal.down_payment_minor or 0
            least_down = min_down_payment_minor(margins, proposal.balance_minor)
            if down < least_down:
                found.append(Violation("down_payment", least_down, down, proposal.currency))
            count = proposal.instalment_count or 0
            if count > margins.max_plan_instalments:
                found.append(Violation("instalment_count", margins.max_plan_instalments, count))
            regular = [i.amount_minor for i in proposal.schedule if i.number > 0]
            if regular and min(regular) < margins.min_instalment_minor:
                found.append(
                    Violation("instalment_amount", margins.min_instalment_minor, min(regular), proposal.currency)
                )
            if proposal.frequency not in allowed_frequencies(margins):
                found.append(Violation("frequency", tuple(allowed_frequencies(margins)), proposal.frequency))
        case Kind.PROMISE:
            latest = latest_promise_date(margins, today)
            if proposal.pay_by is not None and proposal.pay_by > latest:
                found.append(Violation("promise_date", latest, proposal.pay_by))
    return found


def latest_promise_date(margins: Margins, today: dt.date) -> dt.date:
    return today + dt.timedelta(days=margins.max_promise_deferral_days)


# What the options page offers -------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SettlementOffer:
    discount_pct: int
    amount_minor: int
    saving_minor: int
    expires_on: dt.date


@dataclasses.dataclass(frozen=True)
class PlanLimits:
    min_down_payment_pct: int
    min_down_payment_minor: int
    max_instalments: int
    # The most instalments this balance allows inside the margins (0: no plan can be agreed at once).
    max_instalments_for_balance: int
    min_instalment_minor: int
    frequencies: tuple[str, ...]

    @property
    def available(self) -> bool:
        return self.max_instalments_for_balance >= 1 and bool(self.frequencies)


@dataclasses.dataclass(frozen=True)
class Options:
    balance_minor: int
    currency: str
    today: dt.date
    days_overdue: int
    settlement: SettlementOffer | None
    plan: PlanLimits
    promise_latest: dt.date

    @property
    def pay_in_full_minor(self) -> int:
        return self.balance_minor


def settlement_offer(
    margins: Margins, *, balance_minor: int, days_overdue: int, today: dt.date
) -> SettlementOffer | None:
    """The settlement the portal offers: only once the debt is overdue long enough, and only with a real discount."""
    pct = margins.max_settlement_discount_pct
    if balance_minor <= 0 or days_overdue < margins.settlement_after_days_overdue or not 1 <= pct <= 99:
        return None
    amount = settlement_amount(balance_minor, pct)
    if amount >= balance_minor or amount <= 0:
        return None
    return SettlementOffer(pct, amount, balance_minor - amount, today + dt.timedelta(days=SETTLEMENT_VALID_DAYS))


def plan_limits(margins: Margins, *, balance_minor: int) -> PlanLimits:
    least_down = min_down_payment_minor(margins, balance_minor)
    rest = balance_minor - least_down
    if rest <= 0:
        most = 0
    elif margins.min_instalment_minor > 0:
        most = min(margins.max_plan_instalments, rest // margins.min_instalment_minor)
    else:
        most = min(margins.max_plan_instalments, rest)
    return PlanLimits(
        min_down_payment_pct=margins.min_down_payment_pct,
        min_down_payment_minor=least_down,
        max_instalments=margins.max_plan_instalments,
        max_instalments_for_balance=max(most, 0),
        min_instalment_minor=margins.min_instalment_minor,
        frequencies=tuple(allowed_frequencies(margins)),
    )


def debt_options(margins: Margins, *, balance_minor: int, currency: str, due_date: dt.date, today: dt.date) -> Options:
    late = days_overdue(due_date, today)
    return Options(
        balance_minor=balance_minor,
        currency=currency,
        today=today,
        days_overdue=late,
        settlement=settlement_offer(margins, balance_minor=balance_minor, days_overdue=late, today=today),
        plan=plan_limits(margins, balance_minor=balance_minor),
        promise_latest=latest_promise_date(margins, today),
    )


def default_plan(options: Options) -> tuple[int, str, int]:
    """The plan the builder shows first: the least first payment, monthly when allowed, a few instalments."""
    limits = options.plan
    frequencies: Sequence[str] = limits.frequencies or FREQUENCY_ORDER
    frequency = Frequency.MONTHLY if Frequency.MONTHLY in frequencies else frequencies[0]
    count = max(min(DEFAULT_INSTALMENT_COUNT, limits.max_instalments_for_balance), 1)
    return limits.min_down_payment_minor, str(frequency), count
