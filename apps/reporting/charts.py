"""Charts of the reports: SVG drawn on the server by pygal and put in the page as it is, so they work without
JavaScript and under the strict CSP.

pygal writes a <style> and a <script> into each chart and a style attribute on its tooltip; all three are removed
(the CSP would refuse them), and the chart is styled by the "Reports" section of static/css/app.css through the
classes pygal gives its elements. Each chart is an image with a title and a description for screen readers, and
each bar or slice carries its value as a <title> (the table beside the chart holds the same figures)."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pygal
from babel.numbers import format_compact_currency
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from pygal.style import Style

from apps.core.money import to_decimal
from apps.reporting.tables import Table, format_pct, page_value

# The Okabe–Ito palette, told apart by people with any common colour blindness (yellow darkened for contrast).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#8C6D1F", "#000000")
FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif'
# The sizes pygal lays the chart out with; static/css/app.css draws the text at the same sizes.
STYLE = Style(
    font_family=FONT,
    label_font_family=FONT,
    major_label_font_family=FONT,
    legend_font_family=FONT,
    value_font_family=FONT,
    title_font_family=FONT,
    tooltip_font_family=FONT,
    no_data_font_family=FONT,
    label_font_size=12,
    major_label_font_size=12,
    legend_font_size=12,
    value_font_size=12,
    title_font_size=14,
    tooltip_font_size=12,
    no_data_font_size=16,
    colors=PALETTE,
    background="white",
    plot_background="white",
)
# Elements of pygal's output that a strict CSP refuses or that only its JavaScript tooltips read.
DROPPED_TAGS = frozenset({"style", "script", "title", "desc"})


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]
    # Each value as people read it ("1 234,50 €", "41.7 %"): the text of its bar's title.
    texts: Sequence[str]


def _config(**overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "style": STYLE,
        "js": [],
        "css": [],
        "no_prefix": True,
        "disable_xml_declaration": True,
        "explicit_size": False,
        "width": 720,
        "height": 320,
        "margin": 12,
        "legend_at_bottom": True,
        "legend_at_bottom_columns": 4,
        "print_values": False,
        "truncate_legend": 40,
        # Few, round axis labels: the table beside the chart has the exact figures.
        "max_scale": 6,
        "min_scale": 3,
        "truncate_label": 36,
        "no_data_text": _("No data"),
    }
    config.update(overrides)
    return config


def _points(series: Series, labels: Sequence[str], many: bool) -> list[dict[str, Any] | None]:
    points: list[dict[str, Any] | None] = []
    for label, value, text in zip(labels, series.values, series.texts, strict=True):
        if value is None:
            points.append(None)
            continue
        title = f"{label} · {series.name}: {text}" if many else f"{label}: {text}"
        points.append({"value": value, "label": title})
    return points


def _clean(root: ET.Element, *, chart_id: str, title: str, description: str, kind: str = "bars") -> SafeString:
    """Keep only what the CSP allows and what a person needs; add the accessible name and description."""
    for parent in list(root.iter()):
        point_title = None
        for child in list(parent):
            tag = child.tag if isinstance(child.tag, str) else None
            if tag == "desc" and child.get("class") == "label":
                point_title = child.text
            if tag is None or tag in DROPPED_TAGS or "tooltip-overlay" in child.get("class", ""):
                parent.remove(child)
        if point_title:
            ET.SubElement(parent, "title").text = point_title
        parent.attrib.pop("style", None)
        if parent is not root:
            # pygal numbers its legends the same way in every chart: ids that would repeat on the page.
            parent.attrib.pop("id", None)
    for empty in [d for d in root.iter("defs") if len(d) == 0]:
        root.remove(empty)
    root.set("id", chart_id)
    root.set("class", f"pygal-chart {kind}")
    root.set("role", "img")
    root.set("aria-labelledby", f"{chart_id}-title {chart_id}-desc")
    svg = ET.tostring(root, encoding="unicode", short_empty_elements=True)
    # The accessible name and description go first: some screen readers read only the first <title>.
    head = (
        f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(description)}</desc>'
    )
    opening_end = svg.index(">") + 1
    return mark_safe(svg[:opening_end] + head + svg[opening_end:])  # noqa: S308 - pygal's tree, text escaped by ET


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[Series],
    horizontal: bool = False,
    stacked: bool = False,
    axis_format: Callable[[float], str] | None = None,
    height: int | None = None,
    counts: bool = False,
) -> SafeString:
    """A bar chart (vertical or horizontal, side by side or stacked) of values in the order of `labels`."""
    kind = {
        (False, False): pygal.Bar,
        (True, False): pygal.HorizontalBar,
        (False, True): pygal.StackedBar,
        (True, True): pygal.HorizontalStackedBar,
    }[(horizontal, stacked)]
    many = len(series) > 1
    overrides: dict[str, Any] = {"show_legend": many}
    if axis_format is not None:
        overrides["value_formatter"] = axis_format
    if height is not None:
        overrides["height"] = height
    if counts:
        totals = [sum(v or 0 for v in point) for point in zip(*(one.values for one in series), strict=True)]
        overrides["y_labels"] = _count_ticks(totals if stacked else [v for one in series for v in one.values])
    if horizontal:
        overrides["margin_right"] = 40  # room for the last value label ("100.0 %") centred on the plot's edge
    elif len(labels) > 6:
        overrides["x_label_rotation"] = 30
    chart = kind(**_config(**overrides))
    # Horizontal bars are drawn bottom up; reversed, they read top down in the table's order.
    chart.x_labels = list(reversed(labels)) if horizontal else list(labels)
    for one in series:
        points = _points(one, labels, many)
        chart.add(one.name, list(reversed(points)) if horizontal else points)
    return _clean(chart.render_tree(), chart_id=chart_id, title=title, description=description)


def pie_chart(*, chart_id: str, title: str, description: str, slices: Sequence[tuple[str, int, str]]) -> SafeString:
    """A ring of (label, value, text) slices; slices of zero are left out."""
    # Drawn small, so that its text stays readable in a half-width column.
    chart = pygal.Pie(**_config(inner_radius=0.55, width=360, height=240, legend_at_bottom_columns=1))
    for label, value, text in slices:
        if value > 0:
            chart.add(label, [{"value": value, "label": f"{label}: {text}"}])
    return _clean(chart.render_tree(), chart_id=chart_id, title=title, description=description, kind="pie")


# --- The dashboard's charts ------------------------------------------------------------------------------------


def _major(amount_minor: int, currency: str) -> float:
    # Only the bar's length is a float; every figure people read is formatted from the integer.
    return float(to_decimal(amount_minor, currency))


def _compact_money(currency: str, locale: str) -> Callable[[float], str]:
    def fmt(value: float) -> str:
        return str(format_compact_currency(value, currency, locale=locale, fraction_digits=1))

    return fmt


def _count_ticks(values: Sequence[float | None]) -> list[int]:
    """Whole-number axis labels for counts (pygal would label 0.2, 0.4 ... a count of 2)."""
    top = math.ceil(max((v for v in values if v is not None), default=0))
    if top <= 0:
        return [0, 1]
    step = max(1, math.ceil(top / 5))
    return list(range(0, math.ceil(top / step) * step + 1, step))


def _pct_axis(locale: str) -> Callable[[float], str]:
    def fmt(value: float) -> str:
        return format_pct(Decimal(str(round(value, 1))), locale)

    return fmt


def report_charts(tables: dict[str, Table]) -> dict[str, SafeString]:
    """One chart per table that is worth drawing; a table with nothing to draw has none (its table says so)."""
    locale = (get_language() or "en").replace("-", "_")
    charts: dict[str, SafeString] = {}

    aging = tables["aging"]
    cur = aging.currency
    money_col = next(c for c in aging.columns if c.key == "outstanding")
    if any(row["outstanding"] for row in aging.rows):
        total = aging.total or {}
        charts["aging"] = bar_chart(
            chart_id="chart-aging",
            title=_("Outstanding by days past due, in %(currency)s") % {"currency": cur},
            description=_("%(total)s outstanding in %(debts)s debts.")
            % {"total": page_value(total.get("outstanding"), money_col, cur), "debts": total.get("debts")},
            labels=[row["label"] for row in aging.rows],
            series=[
                Series(
                    cur,
                    [_major(row["outstanding"], cur) for row in aging.rows],
                    [page_value(row["outstanding"], money_col, cur) for row in aging.rows],
                )
            ],
            axis_format=_compact_money(cur, locale),
        )

    recovered = tables["recovered"]
    money_col = next(c for c in recovered.columns if c.key == "recovered")
    month_col = next(c for c in recovered.columns if c.key == "month")
    if any(row["recovered"] for row in recovered.rows):
        charts["recovered"] = bar_chart(
            chart_id="chart-recovered",
            title=_("Recovered per month, in %(currency)s") % {"currency": cur},
            description=_("%(total)s recovered in the period.")
            % {"total": page_value((recovered.total or {}).get("recovered"), money_col, cur)},
            labels=[page_value(row["month"], month_col, cur) for row in recovered.rows],
            series=[
                Series(
                    str(_("Recovered")),
                    [_major(row["recovered"], cur) for row in recovered.rows],
                    [page_value(row["recovered"], money_col, cur) for row in recovered.rows],
                )
            ],
            axis_format=_compact_money(cur, locale),
        )

    for slug, count_key in (("promises", "promises"), ("plans", "plans")):
        table = tables[slug]
        shown = [row for row in table.rows if row["share_pct"] is not None]
        if any(row[count_key] for row in shown):
            charts[slug] = pie_chart(
                chart_id=f"chart-{slug}",
                title=str(table.spec.title),
                description="; ".join(f"{row['label']}: {row[count_key]}" for row in table.rows),
                slices=[(row["label"], row[count_key], str(row[count_key])) for row in shown],
            )

    cases = tables["cases"]
    open_rows = [row for row in cases.rows if row["open"]]
    if open_rows:
        charts["cases"] = bar_chart(
            chart_id="chart-cases",
            title=_("Open cases by kind"),
            description=_("%(n)s cases open.") % {"n": sum(row["open"] for row in open_rows)},
            labels=[row["label"] for row in open_rows],
            series=[Series(str(_("Open")), [row["open"] for row in open_rows], [str(r["open"]) for r in open_rows])],
            horizontal=True,
            counts=True,
            height=max(160, 40 + 36 * len(open_rows)),
        )

    steps = tables["steps"]
    measured = [row for row in steps.rows if row["paid_pct"] is not None]
    if measured:
        pct_col = next(c for c in steps.columns if c.key == "paid_pct")
        charts["steps"] = bar_chart(
            chart_id="chart-steps",
            title=str(pct_col.label),
            description=_("Share of the debts reached by each step that were paid within the window."),
            labels=[row["label"] for row in measured],
            series=[
                Series(
                    str(_("Paid")),
                    [float(row["paid_pct"]) for row in measured],
                    [page_value(row["paid_pct"], pct_col, cur) for row in measured],
                )
            ],
            horizontal=True,
            axis_format=_pct_axis(locale),
            height=max(160, 40 + 36 * len(measured)),
        )

    reasons = tables["reasons"]
    if any(row["debtors"] for row in reasons.rows):
        given = [row for row in reasons.rows if row["debtors"]]
        charts["reasons"] = bar_chart(
            chart_id="chart-reasons",
            title=_("Latest reason given, by debtor"),
            description="; ".join(f"{row['label']}: {row['debtors']}" for row in given),
            labels=[row["label"] for row in given],
            series=[Series(str(_("Debtors")), [row["debtors"] for row in given], [str(r["debtors"]) for r in given])],
            horizontal=True,
            counts=True,
            height=max(160, 40 + 36 * len(given)),
        )

    monthly = tables["reasons_monthly"]
    month_col = monthly.columns[0]
    reason_cols = [c for c in monthly.columns[1:-1] if any(row[c.key] for row in monthly.rows)]
    if reason_cols:
        charts["reasons_monthly"] = bar_chart(
            chart_id="chart-reasons-monthly",
            title=str(monthly.spec.title),
            description=_("%(n)s reasons recorded in the period.") % {"n": (monthly.total or {}).get("total", 0)},
            labels=[page_value(row["month"], month_col, cur) for row in monthly.rows],
            series=[
                Series(str(c.label), [row[c.key] for row in monthly.rows], [str(row[c.key]) for row in monthly.rows])
                for c in reason_cols
            ],
            stacked=True,
            counts=True,
        )
    return charts
