"""REST bulk upsert of debts with their debtors: the same checks and writes as a CSV import, answered at once."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.audit.services import Actor
from apps.imports.fields import REQUIRED_FIELDS, TARGET_FIELDS
from apps.imports.models import ImportJob, ImportStatus
from apps.imports.services import API_MAX_ROWS, debts_bulk_upsert

MAX_STRUCTURE_ERRORS = 100

_HELP = {
    "amount": 'Decimal string in major units, e.g. "120.50"; no more decimals than the currency has.',
    "lifetime_revenue": "Decimal string in major units, in the row's currency.",
    "currency": "ISO 4217 code; the account's currency when absent.",
    "issue_date": "YYYY-MM-DD.",
    "due_date": "YYYY-MM-DD, not before the issue date.",
    "customer_since": "YYYY-MM-DD.",
    "debtor_kind": "person or business.",
    "language": "en, fr or pl.",
    "country": "Two-letter ISO code; for the address, and for phone numbers without a country code.",
    "phone": "International (+33…) or national format of the country.",
}


class BulkRowIn(serializers.Serializer):
    """One debt and its debtor. Rows are matched to existing debts and debtors by their references."""

    def get_fields(self) -> dict[str, serializers.Field]:
        return {
            f: serializers.CharField(
                required=f in REQUIRED_FIELDS,
                allow_blank=True,
                allow_null=f not in REQUIRED_FIELDS,
                help_text=_HELP.get(f, str(label)),
            )
            for f, label in TARGET_FIELDS.items()
        }


class BulkUpsertIn(serializers.Serializer):
    rows = serializers.ListField(
        child=BulkRowIn(), min_length=1, max_length=API_MAX_ROWS, help_text=f"1 to {API_MAX_ROWS} rows."
    )


class RowErrorOut(serializers.Serializer):
    row = serializers.IntegerField(help_text="Index of the row in `rows`, from 0.")
    field = serializers.CharField()
    message = serializers.CharField()


class BulkReportOut(serializers.Serializer):
    import_id = serializers.UUIDField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    rejected = serializers.IntegerField()

    def get_fields(self) -> dict[str, serializers.Field]:
        # `errors` would shadow Serializer.errors as a class attribute.
        return {**super().get_fields(), "errors": RowErrorOut(many=True)}


def _rows(data: Any) -> list[dict[str, str | None]]:
    """Check the payload's shape (fast, without a serializer per row); row content is checked by the import."""
    if not isinstance(data, dict):
        raise ValidationError({"detail": "Send a JSON object with a `rows` list."})
    if "rows" not in data:
        raise ValidationError({"rows": ["This field is required."]})
    rows = data["rows"]
    if not isinstance(rows, list):
        raise ValidationError({"rows": [f"Expected a list of objects, got {type(rows).__name__}."]})
    if not rows:
        raise ValidationError({"rows": ["Send at least one row."]})
    if len(rows) > API_MAX_ROWS:
        raise ValidationError({"rows": [f"At most {API_MAX_ROWS} rows per request; you sent {len(rows)}."]})
    problems: dict[str, Any] = {}
    clean: list[dict[str, str | None]] = []
    for index, row in enumerate(rows):
        if len(problems) >= MAX_STRUCTURE_ERRORS:
            break
        if not isinstance(row, dict):
            problems[str(index)] = [f"Expected an object, got {type(row).__name__}."]
            continue
        out: dict[str, str | None] = {}
        bad: dict[str, list[str]] = {}
        for key, value in row.items():
            if key not in TARGET_FIELDS:
                bad[key] = ["Unknown field."]
            elif value is None or isinstance(value, str):
                out[key] = value
            elif isinstance(value, int | float) and not isinstance(value, bool):
                out[key] = str(value)
            else:
                bad[key] = [f"Expected a string, got {type(value).__name__}."]
        if bad:
            problems[str(index)] = bad
        clean.append(out)
    if problems:
        raise ValidationError({"rows": problems})
    return clean


def _report(job: ImportJob) -> dict[str, Any]:
    return {
        "import_id": job.pk,
        "created": job.created_count,
        "updated": job.updated_count,
        "unchanged": job.unchanged_count,
        "rejected": job.rejected_count,
        "errors": [{"row": e.row, "field": e.field, "message": e.message} for e in job.row_errors.all()],
    }


ERROR_BODY = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": True,
}


class DebtBulkUpsertApi(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        tags=["debts"],
        summary="Create or update debts and their debtors in bulk",
        description=(
            "Each row is a debt with its debtor, matched by `debt_ref` and `debtor_ref`. New debts get a charge "
            "in the ledger; a changed amount of an open debt is entered as an adjustment of the difference; "
            "descriptive fields are updated; email, phone and address become contact points. Rows with problems "
            "are rejected and change nothing; the others land. The same request twice changes nothing."
        ),
        operation_id="debts_bulk_upsert",
        request=BulkUpsertIn,
        responses={
            200: BulkReportOut,
            400: OpenApiResponse(ERROR_BODY, description="The payload's shape is wrong (see the field messages)."),
            401: OpenApiResponse(ERROR_BODY, description="No API key, or an unknown or revoked one."),
            403: OpenApiResponse(ERROR_BODY, description="A read-only key, or a suspended account."),
        },
        examples=[
            OpenApiExample(
                "One debt",
                request_only=True,
                value={
                    "rows": [
                        {
                            "debtor_ref": "C-100",
                            "debtor_name": "Camille Martin",
                            "email": "camille@example.fr",
                            "debt_ref": "INV-2026-001",
                            "amount": "120.50",
                            "currency": "EUR",
                            "issue_date": "2026-01-10",
                            "due_date": "2026-02-10",
                        }
                    ]
                },
            )
        ],
    )
    def post(self, request: Request) -> Response:
        rows = _rows(request.data)
        job = debts_bulk_upsert(rows=rows, actor=Actor.for_api_key(request.auth))
        if job.status == ImportStatus.FAILED:
            return Response({"detail": job.failure_message}, status=400)
        return Response(BulkReportOut(_report(job)).data)
