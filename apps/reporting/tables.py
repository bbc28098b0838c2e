"""The report's tables, defined once and read three ways: on the dashboard, as CSV files and from the API.

A table is a list of columns of a known kind and rows of plain values (integers in minor units for money, Decimal
for shares and days, dates for months). How a value looks is decided at the edge: formatted for the reader's
language on the page, locale-independent in CSV (money as a decimal in major units beside a currency column) and
in the API (money both in minor units and as a decimal string)."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent
from django.utils.functional import Promise
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from apps.casework.models import CaseKind
from apps.core.money import format_money, to_decimal
from apps.debtors.models import NonPaymentReason
from apps.debts.models import AgingBucket
from apps.policies.models import Channel, StepKind
from apps.reporting.selectors import Figures, ReportParams, StepRow, share_pct

TEXT = "text"  # a label in the reader's language
CODE = "code"  # a stable machine value (bucket, kind, reason): CSV and API only
INT = "int"  # a number that identifies rather than counts (a version, a day offset): CSV and API only
COUNT = "count"
MONEY = "money"
PCT = "pct"  # a percentage with one decimal, or nothing when there was nothing to divide by
DAYS = "days"
MONTH = "month"
DATE = "date"


@dataclass(frozen=True)
class Column:
    key: str
    label: Promise | str
    kind: str

    @property
    def on_page(self) -> bool:
        return self.kind not in (CODE, INT)


@dataclass(frozen=True)
class TableSpec:
    slug: str
    title: Promise
    # What the figures mean, in a sentence or two: under the table on the page, in the API's documentation.
    about: Promise
    columns: Callable[[Figures | None], list[Column]]
    build: Callable[[Figures], tuple[list[dict[str, Any]], dict[str, Any] | None]]
    money: bool = True  # its amounts are in the chosen currency
    vertical: bool = False  # one row, shown on the page as label / value lines


@dataclass(frozen=True)
class Table:
    spec: TableSpec
    params: ReportParams
    columns: list[Column]
    rows: list[dict[str, Any]]
    total: dict[str, Any] | None

    @property
    def currency(self) -> str:
        return self.params.currency

    @property
    def slug(self) -> str:
        return self.spec.slug

    @property
    def page_columns(self) -> list[Column]:
        return [c for c in self.columns if c.on_page]


def _label(choices: Any, code: str) -> str:
    return str(choices(code).label) if code in choices.values else code


# --- Outstanding by aging bucket -------------------------------------------------------------------------------

AGING_COLUMNS = [
    Column("bucket", _("Bucket"), CODE),
    Column("label", _("Days past due"), TEXT),
    Column("debts", _("Debts"), COUNT),
    Column("outstanding", _("Outstanding"), MONEY),
    Column("share_pct", _("Share"), PCT),
]


def _aging(figures: Figures) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    total = sum(row.outstanding_minor for row in figures.aging)
    rows = [
        {
            "bucket": row.bucket,
            "label": _label(AgingBucket, row.bucket),
            "debts": row.debts,
            "outstanding": row.outstanding_minor,
            "share_pct": share_pct(row.outstanding_minor, total),
        }
        for row in figures.aging
    ]
    footer = {
        "label": str(_("Total")),
        "debts": sum(row.debts for row in figures.aging),
        "outstanding": total,
        "share_pct": share_pct(total, total),
    }
    return rows, footer


# --- Recovered per month ---------------------------------------------------------------------------------------

RECOVERED_COLUMNS = [
    Column("month", _("Month"), MONTH),
    Column("payments", _("Payments"), MONEY),
    Column("refunds", _("Refunds"), MONEY),
    Column("chargebacks", _("Chargebacks"), MONEY),
    Column("recovered", _("Recovered"), MONEY),
]


def _recovered(figures: Figures) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    rows = [
        {
            "month": m.month,
            "payments": m.payments_minor,
            "refunds": m.refunds_minor,
            "chargebacks": m.chargebacks_minor,
            "recovered": m.recovered_minor,
        }
        for m in figures.months
    ]
    s = figures.summary
    footer = {
        "month": str(_("Total")),
        "payments": s.payments_minor,
        "refunds": s.refunds_minor,
        "chargebacks": s.chargebacks_minor,
        "recovered": s.recovered_minor,
    }
    return rows, footer


# --- The period's totals ---------------------------------------------------------------------------------------

SUMMARY_COLUMNS = [
    Column("start", _("First day"), DATE),
    Column("end", _("Last day"), DATE),
    Column("days", _("Days"), COUNT),
    Column("billed", _("Billed (charges, interest, fees)"), MONEY),
    Column("recovered", _("Recovered"), MONEY),
    Column("written_off", _("Written off"), MONEY),
    Column("discounts", _("Settlement discounts"), MONEY),
    Column("outstanding", _("Outstanding on the last day"), MONEY),
    Column("recovery_rate_pct", _("Recovery rate"), PCT),
    Column("dso_days", _("DSO (days)"), DAYS),
]


def _summary(figures: Figures) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    s, p = figures.summary, figures.params
    row = {
        "start": p.start,
        "end": p.end,
        "days": s.period_days,
        "billed": s.billed_minor,
        "recovered": s.recovered_minor,
        "written_off": s.written_off_minor,
        "discounts": s.discounts_minor,
        "outstanding": s.outstanding_minor,
        "recovery_rate_pct": s.recovery_rate_pct,
        "dso_days": s.dso_days,
    }
    return [row], None


# --- Promises and plans ----------------------------------------------------------------------------------------

PROMISE_COLUMNS = [
    Column("outcome", _("Outcome"), CODE),
    Column("label", _("Promises to pay"), TEXT),
    Column("promises", _("Number"), COUNT),
    Column("share_pct", _("Share of those decided"), PCT),
]


def _promises(figures: Figures) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    a = figures.arrangements
    decided = a.promises_kept + a.promises_broken
    rows = [
        {"outcome": "kept", "label": str(_("Kept")), "promises": a.promises_kept, "share_pct": a.promises_kept_pct},
        {
            "outcome": "broken",
            "label": str(_("Broken")),
            "promises": a.promises_broken,
            "share_pct": share_pct(a.promises_broken, decided),
        },
        {
            "outcome": "open",
            "label": str(_("Not decided yet")),
            "promises": a.promises_open,
            "share_pct": None,
        },
    ]
    return rows, None


PLAN_COLUMNS = [
    Column("state", _("State"), CODE),
    Column("label", _("Active payment plans"), TEXT),
    Column("plans", _("Number"), COUNT),
    Column("share_pct", _("Share"), PCT),
]


def _plans(figures: Figures) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    a = figures.arrangements
    rows = [
        {
            "state": "on_track",
            "label": str(_("On track")),
            "plans": a.plans_on_track,
            "share_pct": a.plans_on_track_pct,
        },
        {
            "state": "behind",
            "label": str(_("Behind: an instalment is late")),
            "plans": a.plans_behind,
            "share_pct": share_pct(a.plans_behind, a.plans_active),
        },
    ]
    footer = {"label": str(_("Total")), "plans": a.plans_active, "share_pct": share_pct(a.plans_active, a.plans_active)}
    return rows, footer


# --- Cases by kind ---------------------------------------------------------------------------------------------

CASE_COLUMNS = [
    Column("kind", _("Kind"), CODE),
    Column("label", _("Kind of case"), TEXT),
    Column("open", _("Open now"), COUNT),
    Column("overdue", _("Of which past the reply date"), COUNT),
    Column("opened", _("Opened in the period"), COUNT),
    Column("resolved", _("Resolved in the period"), COUNT),
]


def _cases(figures: Figures) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    rows: list[dict[str, Any]] = [
        {
            "kind": c.kind,
            "label": _label(CaseKind, c.kind),
            "open": c.open,
            "overdue": c.overdue,
            "opened": c.opened,
            "resolved": c.resolved,
        }
        for c in figures.cases
    ]
    counts = ("open", "overdue", "opened", "resolved")
    footer = {"label": str(_("Total")), **{key: sum(r[key] for r in rows) for key in counts}}
    return rows, footer


# --- Per policy step -------------------------------------------------------------------------------------------


def step_label(row: StepRow) -> str:
    """'Standard v2 · day +7 · Email · reminder-firm', or the reaction step to a broken promise."""
    if row.kind == StepKind.SCHEDULE:
        when = str(pgettext_lazy("policy step", "day %(offset)+d")) % {"offset": row.offset_days}
    else:
        when = f"{_label(StepKind, row.kind)} +{row.offset_days}"
    return f"{row.policy} v{row.version} · {when} · {_label(Channel, row.channel)} · {row.template_key}"


def _step_columns(figures: Figures | None) -> list[Column]:
    days = figures.params.days if figures is not None else "N"
    return [
        Column("policy", _("Policy"), CODE),
        Column("version", _("Version"), INT),
        Column("position", _("Position"), INT),
        Column("kind", _("Step kind"), CODE),
        Column("offset_days", _("Day"), INT),
        Column("channel", _("Channel"), CODE),
        Column("template", _("Template"), CODE),
        Column("label", _("Step"), TEXT),
        Column("acted", _("Steps taken"), COUNT),
        Column("refused", _("Refused by the contact rules"), COUNT),
        Column("debts", _("Debts reached, window over"), COUNT),
        Column("paid", _("Paid within %(n)s days") % {"n": days}, COUNT),
        Column("paid_pct", _("Share paid"), PCT),
        Column("cleared", _("Cleared within %(n)s days") % {"n": days}, COUNT),
        Column("cleared_pct", _("Share cleared"), PCT),
        Column("debtors", _("Debtors reached"), COUNT),
        Column("opted_out", _("Opted out within %(n)s days") % {"n": days}, COUNT),
        Column("opted_out_pct", _("Share opted out"), PCT),
    ]


def _steps(figures: Figures) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    rows = [
        {
            "policy": s.policy,
            "version": s.version,
            "position": s.position,
            "kind": s.kind,
            "offset_days": s.offset_days,
            "channel": s.channel,
            "template": s.template_key,
            "label": step_label(s),
            "acted": s.acted,
            "refused": s.refused,
            "debts": s.measured,
            "paid": s.paid,
            "paid_pct": s.paid_pct,
            "cleared": s.cleared,
            "cleared_pct": s.cleared_pct,
            "debtors": s.debtors,
            "opted_out": s.opted_out,
            "opted_out_pct": s.opted_out_pct,
        }
        for s in figures.steps
    ]
    return rows, None


# --- Reasons for non-payment -----------------------------------------------------------------------------------

REASON_COLUMNS = [
    Column("reason", _("Reason"), CODE),
    Column("label", _("Latest reason given"), TEXT),
    Column("debtors", _("Debtors"), COUNT),
    Column("share_pct", _("Share"), PCT),
    Column("outstanding", _("What they owe"), MONEY),
]


def _reasons(figures: Figures) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    rows = [
        {
            "reason": r.reason,
            "label": _label(NonPaymentReason, r.reason),
            "debtors": r.debtors,
            "share_pct": r.share_pct,
            "outstanding": r.outstanding_minor,
        }
        for r in figures.reasons
    ]
    total = sum(r.debtors for r in figures.reasons)
    footer = {
        "label": str(_("Total")),
        "debtors": total,
        "share_pct": share_pct(total, total),
        "outstanding": sum(r.outstanding_minor for r in figures.reasons),
    }
    return rows, footer


def _reason_month_columns(figures: Figures | None) -> list[Column]:
    codes = figures.reasons_by_month[0] if figures is not None else list(NonPaymentReason.values)
    return [
        Column("month", _("Month"), MONTH),
        *(Column(code, _label(NonPaymentReason, code), COUNT) for code in codes),
        Column("total", _("All reasons"), COUNT),
    ]


def _reason_months(figures: Figures) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    codes, months = figures.reasons_by_month
    rows: list[dict[str, Any]] = [{"month": m.month, **m.counts, "total": m.total} for m in months]
    footer = {"month": str(_("Total")), **{key: sum(r[key] for r in rows) for key in [*codes, "total"]}}
    return rows, footer


def _fixed(columns: list[Column]) -> Callable[[Figures | None], list[Column]]:
    return lambda _figures: columns


TABLES: dict[str, TableSpec] = {
    spec.slug: spec
    for spec in [
        TableSpec(
            "summary",
            _("The period in figures"),
            _(
                "Recovered: payments less refunds and chargebacks. Recovery rate: recovered ÷ (recovered + written "
                "off + settlement discounts + outstanding on the last day). DSO (days sales outstanding): "
                "outstanding on the last day ÷ billed in the period × days in the period; none when nothing was "
                "billed."
            ),
            _fixed(SUMMARY_COLUMNS),
            _summary,
            vertical=True,
        ),
        TableSpec(
            "aging",
            _("Outstanding by days past due"),
            _(
                "What each debt still owes on the last day of the period (the sum of its ledger up to that day), "
                "by how many days past its due date it was then."
            ),
            _fixed(AGING_COLUMNS),
            _aging,
        ),
        TableSpec(
            "recovered",
            _("Recovered per month"),
            _(
                "Payments less refunds and chargebacks, by the date in the ledger. The first and last months count "
                "only the days inside the period."
            ),
            _fixed(RECOVERED_COLUMNS),
            _recovered,
        ),
        TableSpec(
            "promises",
            _("Promises to pay"),
            _(
                "Promises whose date falls in the period: kept (paid), broken, or not decided yet (the days allowed "
                "after the date have not passed)."
            ),
            _fixed(PROMISE_COLUMNS),
            _promises,
            money=False,
        ),
        TableSpec(
            "plans",
            _("Payment plans today"),
            _(
                "Active payment plans: on track when no instalment is past its date unpaid. A late instalment "
                "breaks the plan a few days after its date."
            ),
            _fixed(PLAN_COLUMNS),
            _plans,
            money=False,
        ),
        TableSpec(
            "cases",
            _("Cases by kind"),
            _(
                "Cases open now, and of those the ones past the date the debtor was told to expect an answer; cases "
                "opened and resolved in the period."
            ),
            _fixed(CASE_COLUMNS),
            _cases,
            money=False,
        ),
        TableSpec(
            "steps",
            _("Policy steps"),
            _(
                "Steps the daily run took in the period. A step the contact rules refused sent nothing and is not "
                "measured, nor is one whose window has not ended yet. Paid: a payment within the window (the run's "
                "day included). Cleared: paid, and nothing left owing at the end of the window. Opted out: the "
                "debtor stopped a channel within the window."
            ),
            _step_columns,
            _steps,
            money=False,
        ),
        TableSpec(
            "reasons",
            _("Reasons for non-payment"),
            _(
                "Each debtor counted once, under the latest reason recorded up to the last day of the period, with "
                "what their debts still owe in the currency."
            ),
            _fixed(REASON_COLUMNS),
            _reasons,
        ),
        TableSpec(
            "reasons_monthly",
            _("Reasons recorded per month"),
            _("Every time a reason was recorded (on a call, in the portal or by staff), by month."),
            _reason_month_columns,
            _reason_months,
            money=False,
        ),
    ]
}


def build_table(spec: TableSpec, figures: Figures) -> Table:
    rows, total = spec.build(figures)
    return Table(spec, figures.params, spec.columns(figures), rows, total)


def build_tables(figures: Figures) -> dict[str, Table]:
    return {slug: build_table(spec, figures) for slug, spec in TABLES.items()}


# --- Values as text --------------------------------------------------------------------------------------------


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_value(value: Any, column: Column, currency: str) -> str:
    """A cell of a CSV file: no thousands separators, a point for decimals, months as YYYY-MM, nothing for none."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        # A name a person typed (a policy) that a spreadsheet would run as a formula.
        return f"'{value}"
    if column.kind == MONEY:
        return str(to_decimal(int(value), currency))
    if column.kind == MONTH:
        return value.strftime("%Y-%m") if isinstance(value, dt.date) else str(value)
    if column.kind == DATE and isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


@functools.cache
def _pct_pattern(locale: str) -> str:
    """The language's percent pattern with one decimal: '#,##0.0 %' in French."""
    pattern = Locale.parse(locale).percent_formats[None].pattern
    return re.sub(r"0(?=[^0#.]*%)", "0.0", pattern, count=1)


def format_pct(value: Decimal, locale: str) -> str:
    return str(format_percent(Decimal(value) / 100, format=_pct_pattern(locale), locale=locale))


def page_value(value: Any, column: Column, currency: str) -> str:
    """A cell of the dashboard, in the reader's language; a dash where there is nothing to show."""
    locale = (get_language() or "en").replace("-", "_")
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    match column.kind:
        case "money":
            return format_money(int(value), currency, locale)
        case "pct":
            return format_pct(value, locale)
        case "days":
            return str(format_decimal(value, format="#,##0.0", locale=locale))
        case "count":
            return str(format_decimal(value, locale=locale))
        case "month":
            return str(format_date(value, format="LLLL y", locale=locale))
        case "date":
            return str(format_date(value, format="medium", locale=locale))
    return str(value)
