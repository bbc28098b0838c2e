"""Read API of the reports (A4): one endpoint per table of the dashboard, `GET /api/v1/reports/<table>/`, with the
dashboard's filters and the same figures. Any API key may read them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.api.api import ERRORS
from apps.core.money import to_decimal
from apps.reporting.forms import CUSTOM, DAY_CHOICES, DEFAULT_DAYS, DEFAULT_PERIOD, PRESETS, report_form
from apps.reporting.selectors import Figures, report_snapshot
from apps.reporting.tables import (
    COUNT,
    DATE,
    DAYS,
    INT,
    MONEY,
    MONTH,
    PCT,
    TABLES,
    Column,
    Table,
    TableSpec,
    build_table,
)

FILTERS = [
    OpenApiParameter(
        "period",
        str,
        enum=[*PRESETS, CUSTOM],
        description=f"The last 30, 90 or 365 days up to the account's today, or `{CUSTOM}` with `start` and `end`. "
        f"Default `{DEFAULT_PERIOD}`; `start` or `end` alone mean `{CUSTOM}`.",
    ),
    OpenApiParameter("start", OpenApiTypes.DATE, description="First day of a custom period (YYYY-MM-DD)."),
    OpenApiParameter(
        "end", OpenApiTypes.DATE, description="Last day of a custom period, not after today (YYYY-MM-DD)."
    ),
    OpenApiParameter(
        "currency",
        str,
        description="ISO 4217 code of the amounts: one the ledger has entries in. Default: the account's currency. "
        "Amounts in different currencies are never added together.",
    ),
    OpenApiParameter(
        "days",
        int,
        enum=list(DAY_CHOICES),
        description=f"For the policy steps: the N of “paid within N days”. Default {DEFAULT_DAYS}.",
    ),
]


def _fields(column: Column) -> dict[str, serializers.Field]:
    label = str(column.label)
    match column.kind:
        case "money":
            return {
                f"{column.key}_minor": serializers.IntegerField(help_text=f"{label}, in minor units (cents)."),
                column.key: serializers.CharField(help_text=f"{label}, as a decimal in major units."),
            }
        case "count" | "int":
            return {column.key: serializers.IntegerField(help_text=label)}
        case "pct":
            return {
                column.key: serializers.CharField(
                    allow_null=True, help_text=f"{label}: a percentage with one decimal; null when nothing to divide."
                )
            }
        case "days":
            return {column.key: serializers.CharField(allow_null=True, help_text=f"{label}, with one decimal.")}
        case "month":
            return {column.key: serializers.CharField(help_text=f"{label} (YYYY-MM).")}
        case "date":
            return {column.key: serializers.DateField(help_text=label)}
    return {column.key: serializers.CharField(help_text=label)}


def _camel(slug: str) -> str:
    return "".join(part.capitalize() for part in slug.split("_"))


class ReportPeriodOut(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    days = serializers.IntegerField(help_text="Days in the period, both ends included.")


def _response_serializer(spec: TableSpec) -> type[serializers.Serializer]:
    columns = spec.columns(None)
    row_fields: dict[str, Any] = {}
    for column in columns:
        row_fields.update(_fields(column))
    row = type(f"Report{_camel(spec.slug)}Row", (serializers.Serializer,), row_fields)
    body: dict[str, Any] = {
        "table": serializers.CharField(),
        "period": ReportPeriodOut(),
        "currency": serializers.CharField(
            allow_null=True, help_text="The currency of the amounts; null for tables without amounts."
        ),
        "paid_within_days": serializers.IntegerField(),
        "rows": row(many=True),
    }
    total_fields = {key: f for c in columns if c.kind in TOTALLED for key, f in _fields(c).items()}
    if total_fields:
        body["total"] = type(f"Report{_camel(spec.slug)}Total", (serializers.Serializer,), total_fields)(
            allow_null=True
        )
    return type(f"Report{_camel(spec.slug)}Out", (serializers.Serializer,), body)


TOTALLED = frozenset({COUNT, MONEY, PCT, DAYS})


def api_value(value: Any, column: Column, currency: str) -> dict[str, Any]:
    key = column.key
    if column.kind == MONEY:
        minor = None if value is None else int(value)
        return {f"{key}_minor": minor, key: None if minor is None else str(to_decimal(minor, currency))}
    if value is None:
        return {key: None}
    if column.kind in (PCT, DAYS):
        return {key: str(Decimal(value))}
    if column.kind == MONTH and isinstance(value, dt.date):
        return {key: value.strftime("%Y-%m")}
    if column.kind == DATE and isinstance(value, dt.date):
        return {key: value.isoformat()}
    if column.kind in (COUNT, INT):
        return {key: int(value)}
    return {key: str(value)}


def table_body(table: Table) -> dict[str, Any]:
    params = table.params
    rows = []
    for row in table.rows:
        out: dict[str, Any] = {}
        for column in table.columns:
            out.update(api_value(row.get(column.key), column, table.currency))
        rows.append(out)
    body: dict[str, Any] = {
        "table": table.slug,
        "period": {"start": params.start, "end": params.end, "days": params.period_days},
        "currency": table.currency if table.spec.money else None,
        "paid_within_days": params.days,
        "rows": rows,
    }
    if any(c.kind in TOTALLED for c in table.columns):
        total = None
        if table.total is not None:
            total = {}
            for column in table.columns:
                if column.kind in TOTALLED:
                    total.update(api_value(table.total.get(column.key), column, table.currency))
        body["total"] = total
    return body


class ReportApi(APIView):
    spec: TableSpec

    def get(self, request: Request) -> Response:
        with report_snapshot():
            form = report_form(request.query_params)
            if form.is_valid():
                table = build_table(self.spec, Figures(form.params()))
        if not form.is_valid():
            raise serializers.ValidationError({name: [str(e) for e in errors] for name, errors in form.errors.items()})
        return Response(table_body(table))


def _view(spec: TableSpec) -> type[ReportApi]:
    def get(self: ReportApi, request: Request) -> Response:
        return ReportApi.get(self, request)

    documented = extend_schema(
        tags=["reports"],
        summary=f"Report: {spec.title}",
        operation_id=f"reports_{spec.slug}",
        description=f"{spec.about}\n\nThe same figures as the table on the reports dashboard and its CSV file.",
        parameters=FILTERS,
        responses={
            200: _response_serializer(spec),
            **ERRORS,
            400: OpenApiResponse(ERRORS[400].response, description="A filter is wrong: each one in error says why."),
        },
    )(get)
    return type(f"Report{_camel(spec.slug)}Api", (ReportApi,), {"spec": spec, "get": documented})


REPORT_VIEWS: dict[str, type[ReportApi]] = {slug: _view(spec) for slug, spec in TABLES.items()}
