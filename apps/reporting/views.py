"""The reports dashboard (A1–A3) and its tables as CSV files (A4). Everyone on the staff may read them."""

from __future__ import annotations

import csv
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.accounts.permissions import Perm, require_perm
from apps.reporting.charts import report_charts
from apps.reporting.forms import report_form
from apps.reporting.selectors import Figures, report_snapshot
from apps.reporting.tables import TABLES, build_table, build_tables, csv_value

BAD_REQUEST = 400


@require_GET
@require_perm(Perm.VIEW)
def dashboard(request: HttpRequest) -> HttpResponse:
    with report_snapshot():
        form = report_form(request.GET)
        if not form.is_valid():
            return render(request, "reporting/dashboard.html", {"form": form}, status=BAD_REQUEST)
        figures = Figures(form.params())
        tables = build_tables(figures)
    context = {
        "form": form,
        "params": figures.params,
        "tables": tables,
        "charts": report_charts(tables),
        "summary": figures.summary,
        "arrangements": figures.arrangements,
        "open_cases": (tables["cases"].total or {}).get("open", 0),
        "export_query": urlencode(form.query()),
    }
    return render(request, "reporting/dashboard.html", context)


@require_GET
@require_perm(Perm.VIEW)
def export(request: HttpRequest) -> HttpResponse:
    """One table of the dashboard as CSV, for the same filters: its rows, without the totals line (a spreadsheet's
    sum would count it twice). Money is a decimal in major units with a point, beside a currency column."""
    spec = TABLES.get(request.GET.get("table", ""))
    if spec is None:
        raise Http404
    with report_snapshot():
        form = report_form(request.GET)
        if not form.is_valid():
            lines = [f"{name}: {' '.join(str(e) for e in errors)}" for name, errors in form.errors.items()]
            return HttpResponse("\n".join(lines), status=BAD_REQUEST, content_type="text/plain; charset=utf-8")
        params = form.params()
        table = build_table(spec, Figures(params))
    suffix = f"-{params.currency}" if spec.money else ""
    filename = f"{spec.slug}-{params.start.isoformat()}-{params.end.isoformat()}{suffix}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    header = [column.key for column in table.columns]
    writer.writerow([*header, "currency"] if spec.money else header)
    for row in table.rows:
        cells = [csv_value(row.get(column.key), column, table.currency) for column in table.columns]
        writer.writerow([*cells, table.currency] if spec.money else cells)
    return response
