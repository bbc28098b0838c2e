"""Writes behind the API: key management, and debtor upserts and payments composed from the domain services."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.api.models import ApiKey, ApiKeyScope
from apps.audit.services import Actor, audit_record
from apps.core.errors import DomainError
from apps.core.money import MoneyError, check_currency, parse_amount
from apps.core.tenancy import current_tenant
from apps.debtors.contacts import normalize_email, normalize_phone, one_line_address
from apps.debtors.models import ContactKind, ContactPoint, Debtor
from apps.debtors.services import (
    DEBTOR_FIELDS,
    contact_point_add,
    contact_point_update,
    debtor_create,
    debtor_update,
)
from apps.debts.models import Debt, EntryKind, LedgerEntry
from apps.debts.services import debt_payment_record

# --- API keys -------------------------------------------------------------------------------------------------


def api_key_create(*, name: str, scope: str, actor: Actor) -> tuple[ApiKey, str]:
    """A new key and its full text `<prefix>.<secret>`, which is returned here once and never stored."""
    name = name.strip()
    if not name:
        raise DomainError(_("Give the key a name."), field="name")
    if scope not in ApiKeyScope.values:
        raise DomainError(_("Scope must be read or write."), field="scope")
    for _attempt in range(5):
        prefix, secret = ApiKey.new_secret()
        try:
            with transaction.atomic():
                key = ApiKey.objects.create(
                    name=name,
                    prefix=prefix,
                    secret_hash=ApiKey.hash_secret(secret),
                    scope=scope,
                    created_by=actor.user,
                )
                audit_record(
                    actor=actor,
                    action="api_key.created",
                    obj=key,
                    after={"name": key.name, "prefix": key.prefix, "scope": key.scope},
                )
        except IntegrityError:
            continue  # the random prefix collided with an existing key's; draw another
        return key, f"{prefix}.{secret}"
    raise DomainError(_("Could not create a key. Please try again."))


def api_key_revoke(*, key: ApiKey, actor: Actor) -> ApiKey:
    with transaction.atomic():
        locked = ApiKey.objects.select_for_update().get(pk=key.pk)
        if locked.revoked_at is not None:
            return locked
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="api_key.revoked",
            obj=locked,
            before={"revoked_at": None},
            after={"revoked_at": locked.revoked_at},
        )
    return locked


# --- Debtor upsert --------------------------------------------------------------------------------------------

# The debtor's own fields; lifetime revenue is taken as an amount and its currency together (_debtor_changes).
UPSERT_DEBTOR_FIELDS = [f for f in DEBTOR_FIELDS if not f.startswith("lifetime_revenue_")]
CONTACT_ATTRIBUTES = ["label", "is_primary", "consent"]
ADDRESS_PARTS = {
    "line1": "address_line1",
    "line2": "address_line2",
    "postal_code": "postal_code",
    "city": "city",
    "region": "region",
    "country": "country",
}


class UpsertStatus(models.TextChoices):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"


@dataclass
class ItemError:
    index: int
    external_ref: str
    field: str
    message: str


@dataclass
class ItemResult:
    index: int
    external_ref: str
    status: str
    id: uuid.UUID | None = None


@dataclass
class UpsertReport:
    results: list[ItemResult] = field(default_factory=list)
    errors: list[ItemError] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def created(self) -> int:
        return self.count(UpsertStatus.CREATED)

    @property
    def updated(self) -> int:
        return self.count(UpsertStatus.UPDATED)

    @property
    def unchanged(self) -> int:
        return self.count(UpsertStatus.UNCHANGED)

    @property
    def rejected(self) -> int:
        return self.count(UpsertStatus.REJECTED)


class ItemRejected(Exception):
    """One item of an upsert is refused; `errors` are (field path, message) pairs."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__(errors)
        self.errors = errors


def _domain_field(error: DomainError, path: str, default: str) -> str:
    """The field path of a service error, as the client named it (e.g. emails[1].value)."""
    name = error.field or default
    if name in {"email", "phone", "value"}:
        name = "value"
    for outer, inner in ADDRESS_PARTS.items():
        if name == inner and path == "address":
            name = outer
    return f"{path}.{name}" if path else name


def _contact_value(kind: str, item: dict[str, Any]) -> str:
    """The normalised value a contact point is stored under, to find it again on the next upsert."""
    if kind == ContactKind.EMAIL:
        return normalize_email(item["value"])
    if kind == ContactKind.PHONE:
        region = item.get("country") or str(getattr(current_tenant(), "jurisdiction", "") or "US")
        return normalize_phone(item["value"], region)
    return one_line_address(
        item.get("line1", ""),
        item.get("line2", ""),
        item.get("postal_code", ""),
        item.get("city", ""),
        item.get("country", "").upper(),
    )


def _contact_fields(kind: str, item: dict[str, Any]) -> dict[str, Any]:
    fields = {k: item[k] for k in CONTACT_ATTRIBUTES if k in item}
    if kind == ContactKind.ADDRESS:
        fields |= {inner: item.get(outer, "") for outer, inner in ADDRESS_PARTS.items()}
    else:
        fields["value"] = item["value"]
        if kind == ContactKind.PHONE and item.get("country"):
            fields["country"] = item["country"]
    return fields


def _upsert_contact(*, debtor: Debtor, kind: str, item: dict[str, Any], path: str, actor: Actor) -> bool:
    """Add the contact point or update its label, primary flag and consent. True if anything changed."""
    try:
        value = _contact_value(kind, item)
        existing = ContactPoint.objects.filter(debtor=debtor, kind=kind, value=value).first()
        if existing is None:
            contact_point_add(debtor=debtor, kind=kind, actor=actor, **_contact_fields(kind, item))
            return True
        changes = {k: item[k] for k in CONTACT_ATTRIBUTES if k in item and getattr(existing, k) != item[k]}
        if changes:
            contact_point_update(contact=existing, actor=actor, **changes)
        return bool(changes)
    except DomainError as error:
        raise ItemRejected([(_domain_field(error, path, "value"), error.message)]) from None


def _debtor_changes(debtor: Debtor | None, data: dict[str, Any]) -> dict[str, Any]:
    wanted = {k: data[k] for k in UPSERT_DEBTOR_FIELDS if k in data}
    if "lifetime_revenue_minor" in data:
        wanted["lifetime_revenue_minor"] = data["lifetime_revenue_minor"]
        wanted["lifetime_revenue_currency"] = data["lifetime_revenue_currency"]
    if debtor is None:
        return wanted
    return {k: v for k, v in wanted.items() if getattr(debtor, k) != v}


def debtor_upsert(*, data: dict[str, Any], actor: Actor) -> tuple[Debtor, str]:
    """Create or update one debtor by external reference, with its contact points, all or nothing.

    `data` is a validated item (see serializers.DebtorUpsertIn). Fields left out are left as they are;
    contact points are added or updated, never removed (their consent and opt-out history must stay).
    """
    external_ref = data["external_ref"]
    with transaction.atomic():
        debtor = Debtor.objects.select_for_update().filter(external_ref=external_ref).first()
        changes = _debtor_changes(debtor, data)
        try:
            if debtor is None:
                if not changes.get("name"):
                    raise ItemRejected([("name", _("A name is required to create a debtor."))])
                debtor = debtor_create(external_ref=external_ref, actor=actor, **changes)
                status = UpsertStatus.CREATED
            elif changes:
                debtor = debtor_update(debtor=debtor, actor=actor, **changes)
                status = UpsertStatus.UPDATED
            else:
                status = UpsertStatus.UNCHANGED
        except DomainError as error:
            field_name = "lifetime_revenue" if error.field == "lifetime_revenue_currency" else error.field
            raise ItemRejected([(field_name or "non_field_errors", error.message)]) from None
        except MoneyError as error:
            raise ItemRejected([("lifetime_revenue_currency", str(error))]) from None
        touched = False
        for i, item in enumerate(data.get("emails", [])):
            touched |= _upsert_contact(
                debtor=debtor, kind=ContactKind.EMAIL, item=item, path=f"emails[{i}]", actor=actor
            )
        for i, item in enumerate(data.get("phones", [])):
            touched |= _upsert_contact(
                debtor=debtor, kind=ContactKind.PHONE, item=item, path=f"phones[{i}]", actor=actor
            )
        if data.get("address"):
            touched |= _upsert_contact(
                debtor=debtor, kind=ContactKind.ADDRESS, item=data["address"], path="address", actor=actor
            )
        if touched and status == UpsertStatus.UNCHANGED:
            status = UpsertStatus.UPDATED
    return debtor, status


@dataclass
class UpsertItem:
    """One item of an upsert request: its validated data, or the validation errors that reject it."""

    index: int
    external_ref: str
    data: dict[str, Any] | None
    errors: list[tuple[str, str]] = field(default_factory=list)


def debtors_upsert(*, items: list[UpsertItem], actor: Actor) -> UpsertReport:
    """Upsert many debtors. Each item lands or is rejected on its own; a rejected item changes nothing."""
    report = UpsertReport()
    first_index: dict[str, int] = {}
    for item in items:
        errors = item.errors
        if item.data is not None and item.external_ref in first_index:
            errors = [
                (
                    "external_ref",
                    _("Duplicate external reference %(ref)s: it is also item %(first)d of this request.")
                    % {"ref": item.external_ref, "first": first_index[item.external_ref]},
                )
            ]
        elif item.data is not None:
            first_index[item.external_ref] = item.index
        if item.data is not None and not errors:
            try:
                debtor, status = debtor_upsert(data=item.data, actor=actor)
            except ItemRejected as rejected:
                errors = rejected.errors
            except IntegrityError:
                # Another request created the same debtor or contact point at the same moment.
                errors = [("external_ref", _("This debtor was changed by another request at the same time; retry."))]
            else:
                report.results.append(
                    ItemResult(index=item.index, external_ref=item.external_ref, status=status, id=debtor.pk)
                )
                continue
        report.results.append(
            ItemResult(index=item.index, external_ref=item.external_ref, status=UpsertStatus.REJECTED)
        )
        report.errors.extend(
            ItemError(index=item.index, external_ref=item.external_ref, field=f, message=m) for f, m in errors
        )
    return report


# --- Payments -------------------------------------------------------------------------------------------------


def _debt_for_payment(debt_id: uuid.UUID | None, debt_ref: str) -> Debt:
    if debt_id is not None:
        debt = Debt.objects.filter(pk=debt_id).first()
        if debt is None:
            raise DomainError(_("No debt has the id %(id)s.") % {"id": debt_id}, field="debt_id")
        if debt_ref and debt.external_ref != debt_ref:
            raise DomainError(
                _("Debt %(id)s has the reference %(ref)s, not %(given)s.")
                % {"id": debt_id, "ref": debt.external_ref, "given": debt_ref},
                field="debt_ref",
            )
        return debt
    debt = Debt.objects.filter(external_ref=debt_ref).first()
    if debt is None:
        raise DomainError(_("No debt has the reference %(ref)s.") % {"ref": debt_ref}, field="debt_ref")
    return debt


def payment_record(
    *,
    debt_id: uuid.UUID | None = None,
    debt_ref: str = "",
    amount: str,
    currency: str,
    received_on: dt.date,
    method: str,
    reference: str,
    note: str = "",
    actor: Actor,
) -> tuple[LedgerEntry, bool]:
    """Record an offline payment sent through the API: (entry, created). A retried reference returns the first."""
    debt = _debt_for_payment(debt_id, debt_ref.strip())
    try:
        currency = check_currency(currency)
    except MoneyError as error:
        raise DomainError(str(error), field="currency") from None
    if currency != debt.currency:
        raise DomainError(
            _("Debt %(ref)s is in %(debt)s; the payment must be in %(debt)s too, not %(given)s.")
            % {"ref": debt.external_ref, "debt": debt.currency, "given": currency},
            field="currency",
        )
    try:
        amount_minor = parse_amount(amount, debt.currency)
    except MoneyError as error:
        raise DomainError(str(error), field="amount") from None
    reference = reference.strip()
    with transaction.atomic():
        # Holding the debt's lock while looking for the reference makes "created" exact under concurrent retries.
        Debt.objects.select_for_update().get(pk=debt.pk)
        existed = LedgerEntry.objects.filter(debt=debt, kind=EntryKind.PAYMENT, reference=reference).exists()
        entry = debt_payment_record(
            debt=debt,
            amount_minor=amount_minor,
            received_on=received_on,
            method=method,
            reference=reference,
            note=note,
            actor=actor,
        )
    return entry, not existed
