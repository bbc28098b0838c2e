"""REST endpoints (v1): one view per operation, each with its input and output serializers."""

from __future__ import annotations

import uuid
from typing import Any

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.api import selectors
from apps.api.filters import DebtFilter, DebtorFilter, PaymentFilter
from apps.api.parsers import BoundedJSONParser
from apps.api.serializers import (
    DebtDetailOut,
    DebtListOut,
    DebtorBulkUpsertDoc,
    DebtorBulkUpsertIn,
    DebtorDetailOut,
    DebtorListOut,
    DebtorUpsertIn,
    PaymentIn,
    PaymentOut,
    UpsertReportOut,
    flatten_errors,
)
from apps.api.services import UpsertItem, UpsertStatus, debtors_upsert, payment_record
from apps.audit.services import Actor
from apps.core.dates import tenant_today


class ApiPagination(LimitOffsetPagination):
    default_limit = 100
    max_limit = 1000


# A refused request: `detail`, and/or for each field in error the list of its messages.
ERROR_BODY = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}
ERRORS = {
    400: OpenApiResponse(ERROR_BODY, description="Bad input: each field in error with its messages, or `detail`."),
    401: OpenApiResponse(ERROR_BODY, description="No API key, a malformed one, an unknown one or a revoked one."),
    403: OpenApiResponse(ERROR_BODY, description="A read-only key tried to write, or the account is suspended."),
}
NOT_FOUND = {404: OpenApiResponse(ERROR_BODY, description="No such object in this account.")}


def _actor(request: Request) -> Actor:
    return Actor.for_api_key(request.auth)


# --- Debtors ---------------------------------------------------------------------------------------------------


class DebtorListApi(generics.ListAPIView):
    serializer_class = DebtorListOut
    filter_backends = [DjangoFilterBackend]
    filterset_class = DebtorFilter
    pagination_class = ApiPagination

    def get_queryset(self) -> Any:
        return selectors.debtors_list()

    @extend_schema(
        tags=["debtors"],
        summary="List debtors",
        operation_id="debtors_list",
        responses={200: DebtorListOut(many=True), **ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class DebtorDetailApi(APIView):
    @extend_schema(
        tags=["debtors"],
        summary="Read a debtor",
        operation_id="debtors_read",
        description="The debtor with its contact points and, for each currency it owes in, the total balance.",
        responses={200: DebtorDetailOut, **ERRORS, **NOT_FOUND},
    )
    def get(self, request: Request, debtor_id: uuid.UUID) -> Response:
        debtor = get_object_or_404(selectors.debtor_detail_queryset(), pk=debtor_id)
        return Response(DebtorDetailOut(debtor, context={"totals": selectors.debtor_totals(debtor)}).data)


UPSERT_EXAMPLE = {
    "external_ref": "CUST-1042",
    "kind": "person",
    "name": "Camille Martin",
    "preferred_language": "fr",
    "emails": [{"value": "camille.martin@example.fr", "is_primary": True, "consent": "granted"}],
    "phones": [{"value": "+33612345678", "label": "mobile"}],
    "address": {"line1": "8 rue Victor Hugo", "postal_code": "69002", "city": "Lyon", "country": "FR"},
}


class DebtorUpsertApi(APIView):
    parser_classes = [BoundedJSONParser]

    @extend_schema(
        tags=["debtors"],
        summary="Create or update debtors by external reference",
        operation_id="debtors_upsert",
        description=(
            'Send one debtor, or `{"debtors": [...]}` (up to 1000). Each debtor is matched by `external_ref`: '
            "created if new, otherwise only the fields sent are changed. Emails, phones and the address are added "
            "if not on file (or their label, primary flag and consent updated); none is removed. Each debtor lands "
            "or is rejected on its own, and a rejected one changes nothing. The report gives the outcome of each "
            "item and, for rejected ones, the field and reason. A single debtor that is rejected answers 400; a "
            "bulk request answers 200 with its report unless the envelope itself is malformed."
        ),
        request=PolymorphicProxySerializer(
            component_name="DebtorUpsert",
            serializers=[DebtorUpsertIn, DebtorBulkUpsertDoc],
            resource_type_field_name=None,
        ),
        responses={
            **ERRORS,
            200: UpsertReportOut,
            201: OpenApiResponse(UpsertReportOut, description="A single debtor was created."),
            400: OpenApiResponse(
                {"oneOf": [{"$ref": "#/components/schemas/UpsertReportOut"}, ERROR_BODY]},
                description="A single debtor was rejected (the report says why), or the request is malformed.",
            ),
        },
        examples=[
            OpenApiExample("One debtor", value=UPSERT_EXAMPLE, request_only=True),
            OpenApiExample("Bulk", value={"debtors": [UPSERT_EXAMPLE]}, request_only=True),
        ],
    )
    def post(self, request: Request) -> Response:
        if not isinstance(request.data, dict):
            raise serializers.ValidationError(
                {"non_field_errors": [_("Send a debtor object, or an object with a “debtors” list.")]}
            )
        bulk = "debtors" in request.data
        if bulk:
            envelope = DebtorBulkUpsertIn(data=request.data)
            envelope.is_valid(raise_exception=True)
            raw_items = envelope.validated_data["debtors"]
        else:
            raw_items = [request.data]
        items = []
        for index, raw in enumerate(raw_items):
            item = DebtorUpsertIn(data=raw)
            valid = item.is_valid()
            ref = raw.get("external_ref")
            items.append(
                UpsertItem(
                    index=index,
                    external_ref=ref.strip() if isinstance(ref, str) else "",
                    data=item.validated_data if valid else None,
                    errors=flatten_errors(item.errors),
                )
            )
        report = debtors_upsert(items=items, actor=_actor(request))
        body = UpsertReportOut(report).data
        if bulk:
            return Response(body)
        match report.results[0].status:
            case UpsertStatus.REJECTED:
                return Response(body, status=status.HTTP_400_BAD_REQUEST)
            case UpsertStatus.CREATED:
                return Response(body, status=status.HTTP_201_CREATED)
        return Response(body)


# --- Debts -----------------------------------------------------------------------------------------------------


class DebtListApi(generics.ListAPIView):
    serializer_class = DebtListOut
    filter_backends = [DjangoFilterBackend]
    filterset_class = DebtFilter
    pagination_class = ApiPagination

    def get_queryset(self) -> Any:
        return selectors.debts_list()

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "today": tenant_today()}

    @extend_schema(
        tags=["debts"],
        summary="List debts",
        operation_id="debts_list",
        description="Each debt with its balance (the sum of its ledger). `aging` counts days past due on the "
        "tenant's today. `status` may be repeated.",
        responses={200: DebtListOut(many=True), **ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class DebtDetailApi(APIView):
    @extend_schema(
        tags=["debts"],
        summary="Read a debt",
        operation_id="debts_read",
        description="The debt with its balance and every entry of its ledger.",
        responses={200: DebtDetailOut, **ERRORS, **NOT_FOUND},
    )
    def get(self, request: Request, debt_id: uuid.UUID) -> Response:
        debt = get_object_or_404(selectors.debt_detail_queryset(), pk=debt_id)
        return Response(DebtDetailOut(debt, context={"today": tenant_today()}).data)


# --- Payments --------------------------------------------------------------------------------------------------


class PaymentListCreateApi(generics.ListAPIView):
    parser_classes = [BoundedJSONParser]
    serializer_class = PaymentOut
    filter_backends = [DjangoFilterBackend]
    filterset_class = PaymentFilter
    pagination_class = ApiPagination

    def get_queryset(self) -> Any:
        return selectors.payments_list()

    @extend_schema(
        tags=["payments"],
        summary="List payments",
        operation_id="payments_list",
        description="Payments on every debt, newest first, whoever recorded them.",
        responses={200: PaymentOut(many=True), **ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=["payments"],
        summary="Record an offline payment",
        operation_id="payments_create",
        description="A payment received outside Amiable (transfer, cheque...). It may not exceed the balance; a "
        "payment that clears the balance marks the debt paid. `reference` makes the request safe to retry: the "
        "same reference again returns the payment already recorded with 200.",
        request=PaymentIn,
        responses={
            201: OpenApiResponse(PaymentOut, description="Recorded."),
            200: OpenApiResponse(PaymentOut, description="Already recorded under this reference."),
            **ERRORS,
        },
    )
    def post(self, request: Request) -> Response:
        data = PaymentIn(data=request.data)
        data.is_valid(raise_exception=True)
        entry, created = payment_record(**data.validated_data, actor=_actor(request))
        entry = selectors.payments_list().get(pk=entry.pk)
        return Response(PaymentOut(entry).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class PaymentDetailApi(APIView):
    @extend_schema(
        tags=["payments"],
        summary="Read a payment",
        operation_id="payments_read",
        responses={200: PaymentOut, **ERRORS, **NOT_FOUND},
    )
    def get(self, request: Request, payment_id: int) -> Response:
        entry = get_object_or_404(selectors.payments_list(), pk=payment_id)
        return Response(PaymentOut(entry).data)
