"""API input and output shapes. Money goes out as `amount_minor` (integer), `currency` and `amount` (decimal string)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.api.services import UpsertStatus
from apps.core.dates import tenant_today
from apps.core.money import MoneyError, check_currency, parse_amount, to_decimal
from apps.core.tenancy import current_tenant
from apps.debtors.models import Consent, ContactKind, ContactPoint, Debtor, DebtorKind
from apps.debts.models import AgingBucket, Debt, LedgerEntry, PaymentMethod, aging_bucket_for

MAX_BULK_ITEMS = 1000
MAX_CONTACTS_PER_KIND = 20


def decimal_text(amount_minor: int | None, currency: str) -> str | None:
    if amount_minor is None or not currency:
        return None
    return str(to_decimal(amount_minor, currency))


# --- Input ------------------------------------------------------------------------------------------------------


class ContactIn(serializers.Serializer):
    label = serializers.CharField(max_length=50, required=False, allow_blank=True)  # type: ignore[assignment]
    is_primary = serializers.BooleanField(required=False)
    consent = serializers.ChoiceField(choices=Consent.choices, required=False)


class EmailIn(ContactIn):
    value = serializers.CharField(max_length=320, help_text="Email address.")


class PhoneIn(ContactIn):
    value = serializers.CharField(
        max_length=40, help_text="Phone number, in E.164 (+33612345678) or national form for `country`."
    )
    country = serializers.CharField(
        min_length=2,
        max_length=2,
        required=False,
        allow_blank=True,
        help_text="ISO country used to read a national number; the tenant's jurisdiction if left out.",
    )


class AddressIn(ContactIn):
    line1 = serializers.CharField(max_length=200)
    line2 = serializers.CharField(max_length=200, required=False, allow_blank=True)
    postal_code = serializers.CharField(max_length=20, required=False, allow_blank=True)
    city = serializers.CharField(max_length=100)
    region = serializers.CharField(max_length=100, required=False, allow_blank=True)
    country = serializers.CharField(min_length=2, max_length=2, help_text="ISO 3166 two-letter country code.")

    def validate_country(self, value: str) -> str:
        if not value.isalpha():
            raise serializers.ValidationError(_("Country must be a two-letter ISO code."))
        return value.upper()


class DebtorUpsertIn(serializers.Serializer):
    """One debtor, matched by `external_ref`. Fields left out stay as they are; contact points are only added."""

    external_ref = serializers.CharField(max_length=100)
    name = serializers.CharField(max_length=200, required=False, help_text="Required when the debtor is new.")
    kind = serializers.ChoiceField(choices=DebtorKind.choices, required=False)
    preferred_language = serializers.ChoiceField(choices=["en", "fr", "pl"], required=False, allow_blank=True)
    timezone = serializers.CharField(max_length=64, required=False, allow_blank=True, help_text="IANA name.")
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    customer_since = serializers.DateField(required=False, allow_null=True)
    lifetime_revenue = serializers.CharField(
        max_length=30, required=False, allow_null=True, help_text='Decimal string in major units, e.g. "1250.00".'
    )
    lifetime_revenue_currency = serializers.CharField(
        max_length=3, required=False, allow_blank=True, help_text="ISO 4217; the tenant's currency if left out."
    )
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    emails = EmailIn(many=True, required=False, max_length=MAX_CONTACTS_PER_KIND)  # type: ignore[call-arg]
    phones = PhoneIn(many=True, required=False, max_length=MAX_CONTACTS_PER_KIND)  # type: ignore[call-arg]
    address = AddressIn(required=False, allow_null=True)

    def validate_external_ref(self, value: str) -> str:
        return value.strip()

    def validate_name(self, value: str) -> str:
        return value.strip()

    def validate_date_of_birth(self, value: dt.date | None) -> dt.date | None:
        if value is not None and value > tenant_today():
            raise serializers.ValidationError(_("The date of birth is in the future."))
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        currency_text = attrs.pop("lifetime_revenue_currency", "")
        if "lifetime_revenue" not in attrs:
            if currency_text:
                raise serializers.ValidationError(
                    {"lifetime_revenue": _("Give the amount with its currency (lifetime_revenue_currency).")}
                )
            return attrs
        text = attrs.pop("lifetime_revenue")
        if text is None:
            attrs["lifetime_revenue_minor"], attrs["lifetime_revenue_currency"] = None, ""
            return attrs
        try:
            currency = check_currency(currency_text or current_tenant().currency)
        except MoneyError as error:
            raise serializers.ValidationError({"lifetime_revenue_currency": str(error)}) from None
        try:
            attrs["lifetime_revenue_minor"] = parse_amount(text, currency)
        except MoneyError as error:
            raise serializers.ValidationError({"lifetime_revenue": str(error)}) from None
        attrs["lifetime_revenue_currency"] = currency
        return attrs


class DebtorBulkUpsertIn(serializers.Serializer):
    """The envelope of a bulk upsert. Each item is then checked on its own, so one bad item rejects only itself."""

    debtors = serializers.ListField(
        child=serializers.DictField(), min_length=1, max_length=MAX_BULK_ITEMS, allow_empty=False
    )


class DebtorBulkUpsertDoc(serializers.Serializer):
    """What the schema documents for a bulk upsert."""

    debtors = DebtorUpsertIn(many=True, max_length=MAX_BULK_ITEMS)  # type: ignore[call-arg]


class PaymentIn(serializers.Serializer):
    debt_id = serializers.UUIDField(required=False, help_text="The debt's id; or give `debt_ref`.")
    debt_ref = serializers.CharField(max_length=100, required=False, help_text="The debt's external reference.")
    amount = serializers.CharField(max_length=30, help_text='Decimal string in major units, e.g. "49.90".')
    currency = serializers.CharField(max_length=3, help_text="ISO 4217; must be the debt's currency.")
    received_on = serializers.DateField()
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    reference = serializers.CharField(
        max_length=120,
        help_text="Your unique reference for this payment (bank transaction id, cheque number). A retry with the "
        "same reference returns the payment already recorded (200) instead of recording it twice.",
    )
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    def validate_reference(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError(
                _("A reference is required, so that a retried request is not paid twice.")
            )
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("debt_id") and not (attrs.get("debt_ref") or "").strip():
            raise serializers.ValidationError({"debt_id": _("Give the debt's id or its reference (debt_ref).")})
        return attrs


# --- Output -----------------------------------------------------------------------------------------------------


class AddressOut(serializers.Serializer):
    line1 = serializers.CharField(source="address_line1")
    line2 = serializers.CharField(source="address_line2")
    postal_code = serializers.CharField()
    city = serializers.CharField()
    region = serializers.CharField()
    country = serializers.CharField()


class ContactPointOut(serializers.ModelSerializer):
    address = serializers.SerializerMethodField()
    opted_out = serializers.BooleanField(source="is_opted_out")

    class Meta:
        model = ContactPoint
        fields = [
            "id",
            "kind",
            "label",
            "value",
            "address",
            "is_primary",
            "is_workplace",
            "consent",
            "opted_out",
            "opted_out_at",
            "validity",
        ]

    @extend_schema_field(AddressOut(allow_null=True))
    def get_address(self, obj: ContactPoint) -> dict[str, Any] | None:
        return dict(AddressOut(obj).data) if obj.kind == ContactKind.ADDRESS else None


class CurrencyTotalOut(serializers.Serializer):
    currency = serializers.CharField()
    balance_minor = serializers.IntegerField(help_text="What the debtor owes in this currency, in minor units.")
    balance = serializers.SerializerMethodField()
    debts = serializers.IntegerField()
    active_debts = serializers.IntegerField()

    def get_balance(self, obj: Any) -> str:
        return decimal_text(obj.balance_minor, obj.currency) or "0"


class DebtorListOut(serializers.ModelSerializer):
    class Meta:
        model = Debtor
        fields = ["id", "external_ref", "kind", "name", "preferred_language", "timezone", "created_at", "updated_at"]


class DebtorDetailOut(serializers.ModelSerializer):
    lifetime_revenue = serializers.SerializerMethodField()
    contact_points = ContactPointOut(many=True)
    totals = serializers.SerializerMethodField()

    class Meta:
        model = Debtor
        fields = [
            "id",
            "external_ref",
            "kind",
            "name",
            "preferred_language",
            "timezone",
            "date_of_birth",
            "customer_since",
            "lifetime_revenue_minor",
            "lifetime_revenue",
            "lifetime_revenue_currency",
            "notes",
            "contact_points",
            "totals",
            "created_at",
            "updated_at",
        ]

    def get_lifetime_revenue(self, obj: Debtor) -> str | None:
        return decimal_text(obj.lifetime_revenue_minor, obj.lifetime_revenue_currency)

    @extend_schema_field(CurrencyTotalOut(many=True))
    def get_totals(self, obj: Debtor) -> list[dict[str, Any]]:
        return list(CurrencyTotalOut(self.context["totals"], many=True).data)


class DebtorRefOut(serializers.ModelSerializer):
    class Meta:
        model = Debtor
        fields = ["id", "external_ref", "name"]


class DebtListOut(serializers.ModelSerializer):
    debtor = DebtorRefOut()
    original_amount = serializers.SerializerMethodField()
    balance_minor = serializers.IntegerField(help_text="The sum of the debt's ledger, in minor units.")
    balance = serializers.SerializerMethodField()
    aging_bucket = serializers.SerializerMethodField()

    class Meta:
        model = Debt
        fields = [
            "id",
            "external_ref",
            "debtor",
            "description",
            "currency",
            "original_amount_minor",
            "original_amount",
            "balance_minor",
            "balance",
            "issue_date",
            "due_date",
            "status",
            "aging_bucket",
            "created_at",
            "updated_at",
        ]

    def get_original_amount(self, obj: Debt) -> str:
        return decimal_text(obj.original_amount_minor, obj.currency) or "0"

    def get_balance(self, obj: Debt) -> str:
        return decimal_text(obj.balance_minor, obj.currency) or "0"  # type: ignore[attr-defined]

    @extend_schema_field(serializers.ChoiceField(choices=AgingBucket.choices))
    def get_aging_bucket(self, obj: Debt) -> str:
        return str(aging_bucket_for(obj.due_date, self.context["today"]))


class LedgerEntryOut(serializers.ModelSerializer):
    amount_minor = serializers.IntegerField(help_text="Signed: positive raises what is owed, negative lowers it.")
    amount = serializers.SerializerMethodField()

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "kind",
            "amount_minor",
            "amount",
            "currency",
            "occurred_on",
            "description",
            "method",
            "reference",
            "created_at",
        ]

    def get_amount(self, obj: LedgerEntry) -> str:
        return decimal_text(obj.amount_minor, obj.currency) or "0"


class DebtDetailOut(DebtListOut):
    entries = LedgerEntryOut(many=True, help_text="The debt's ledger, oldest first.")

    class Meta(DebtListOut.Meta):
        fields = [*DebtListOut.Meta.fields, "entries"]


class DebtRefOut(serializers.ModelSerializer):
    class Meta:
        model = Debt
        fields = ["id", "external_ref"]


class PaymentOut(serializers.ModelSerializer):
    debt = DebtRefOut()
    amount_minor = serializers.SerializerMethodField()
    amount = serializers.SerializerMethodField()
    received_on = serializers.DateField(source="occurred_on")
    note = serializers.CharField(source="description")

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "debt",
            "amount_minor",
            "amount",
            "currency",
            "received_on",
            "method",
            "reference",
            "note",
            "created_at",
        ]

    def get_amount_minor(self, obj: LedgerEntry) -> int:
        return -obj.amount_minor

    def get_amount(self, obj: LedgerEntry) -> str:
        return decimal_text(-obj.amount_minor, obj.currency) or "0"


class ItemResultOut(serializers.Serializer):
    index = serializers.IntegerField(help_text="Position of the item in the request, from 0.")
    external_ref = serializers.CharField()
    status = serializers.ChoiceField(choices=UpsertStatus.choices)
    id = serializers.UUIDField(allow_null=True)


class ItemErrorOut(serializers.Serializer):
    index = serializers.IntegerField()
    external_ref = serializers.CharField()
    field = serializers.CharField(help_text="Path of the field in the item, e.g. `emails[1].value`.")
    message = serializers.CharField()


class UpsertReportOut(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    rejected = serializers.IntegerField()
    results = ItemResultOut(many=True)
    errors = ItemErrorOut(many=True)  # type: ignore[assignment]


def flatten_errors(errors: Any, prefix: str = "") -> list[tuple[str, str]]:
    """DRF's nested error structure as (field path, message) pairs: `emails[1].value`, `address.city`."""
    pairs: list[tuple[str, str]] = []
    if isinstance(errors, dict):
        for key, value in errors.items():
            if isinstance(key, int):
                path = f"{prefix}[{key}]"
            elif key == "non_field_errors":
                path = prefix or "non_field_errors"
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            pairs.extend(flatten_errors(value, path))
    elif isinstance(errors, list):
        for i, value in enumerate(errors):
            if isinstance(value, dict | list):
                pairs.extend(flatten_errors(value, f"{prefix}[{i}]"))
            else:
                pairs.append((prefix or "non_field_errors", str(value)))
    else:
        pairs.append((prefix or "non_field_errors", str(errors)))
    return pairs
