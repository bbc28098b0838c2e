"""Every write to debtors and their contact points, each audited with before/after."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import Actor, audit_record, changed_fields, snapshot
from apps.core.dates import tenant_today
from apps.core.errors import DomainError
from apps.core.money import check_currency
from apps.core.tenancy import current_tenant
from apps.debtors.contacts import check_timezone, normalize_email, normalize_phone, one_line_address
from apps.debtors.models import (
    Consent,
    ContactKind,
    ContactPoint,
    Debtor,
    DebtorKind,
    NonPaymentReason,
    ReasonRecord,
    ReasonSource,
    Validity,
)

DEBTOR_FIELDS = [
    "kind",
    "name",
    "preferred_language",
    "timezone",
    "date_of_birth",
    "customer_since",
    "lifetime_revenue_minor",
    "lifetime_revenue_currency",
    "notes",
]
CONTACT_FIELDS = [
    "label",
    "value",
    "address_line1",
    "address_line2",
    "postal_code",
    "city",
    "region",
    "country",
    "is_primary",
    "is_workplace",
    "consent",
    "validity",
    "opted_out_at",
]
LANGUAGES = {"", "en", "fr", "pl"}


def _tenant_region() -> str:
    return str(getattr(current_tenant(), "jurisdiction", "") or "US")


def _clean_debtor(data: dict[str, Any]) -> dict[str, Any]:
    if "name" in data and not str(data["name"]).strip():
        raise DomainError(_("A name is required."), field="name")
    if "kind" in data and data["kind"] not in DebtorKind.values:
        raise DomainError(_("Kind must be person or business."), field="kind")
    if data.get("preferred_language", "") not in LANGUAGES:
        raise DomainError(_("Language must be en, fr or pl."), field="preferred_language")
    if "timezone" in data:
        data["timezone"] = check_timezone(data["timezone"] or "")
    revenue = data.get("lifetime_revenue_minor")
    if revenue is not None:
        if revenue < 0:
            raise DomainError(_("Lifetime revenue cannot be negative."), field="lifetime_revenue")
        data["lifetime_revenue_currency"] = check_currency(
            data.get("lifetime_revenue_currency") or current_tenant().currency
        )
    since = data.get("customer_since")
    if since is not None and since > tenant_today():
        raise DomainError(_("“Customer since” is in the future."), field="customer_since")
    return data


def debtor_create(*, external_ref: str, name: str, actor: Actor, **fields: Any) -> Debtor:
    external_ref = external_ref.strip()
    if not external_ref:
        raise DomainError(_("An external reference is required."), field="external_ref")
    data = _clean_debtor({"name": name.strip(), **fields})
    with transaction.atomic():
        if Debtor.objects.filter(external_ref=external_ref).exists():
            raise DomainError(
                _("A debtor with reference %(ref)s already exists.") % {"ref": external_ref}, field="external_ref"
            )
        debtor = Debtor.objects.create(external_ref=external_ref, **data)
        audit_record(actor=actor, action="debtor.created", obj=debtor, after=snapshot(debtor, DEBTOR_FIELDS))
    return debtor


def debtor_update(*, debtor: Debtor, actor: Actor, **changes: Any) -> Debtor:
    unknown = set(changes) - set(DEBTOR_FIELDS)
    if unknown:
        raise DomainError(_("These fields cannot be edited: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    data = _clean_debtor(dict(changes))
    with transaction.atomic():
        locked = Debtor.objects.select_for_update().get(pk=debtor.pk)
        before = snapshot(locked, DEBTOR_FIELDS)
        for field, value in data.items():
            setattr(locked, field, value)
        b, a = changed_fields(before, snapshot(locked, DEBTOR_FIELDS))
        if a:
            locked.save(update_fields=[*a.keys(), "updated_at"])
            audit_record(actor=actor, action="debtor.updated", obj=locked, before=b, after=a)
    return locked


def _clean_contact(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    if kind == ContactKind.EMAIL:
        data["value"] = normalize_email(data.get("value", ""))
    elif kind == ContactKind.PHONE:
        data["value"] = normalize_phone(data.get("value", ""), data.get("country") or _tenant_region())
        data["country"] = ""
    elif kind == ContactKind.ADDRESS:
        for required in ("address_line1", "city", "country"):
            if not str(data.get(required, "")).strip():
                raise DomainError(_("The address needs %(f)s.") % {"f": required.replace("_", " ")}, field=required)
        data["country"] = str(data["country"]).strip().upper()
        if len(data["country"]) != 2:
            raise DomainError(_("Country must be a two-letter ISO code."), field="country")
        data["value"] = one_line_address(
            data.get("address_line1", ""),
            data.get("address_line2", ""),
            data.get("postal_code", ""),
            data.get("city", ""),
            data["country"],
        )
    else:
        raise DomainError(_("Kind must be email, phone or address."), field="kind")
    if data.get("consent", Consent.UNKNOWN) not in Consent.values:
        raise DomainError(_("Unknown consent state."), field="consent")
    if data.get("validity", Validity.UNVERIFIED) not in Validity.values:
        raise DomainError(_("Unknown validity state."), field="validity")
    return data


def contact_point_add(*, debtor: Debtor, kind: str, actor: Actor, **fields: Any) -> ContactPoint:
    data = _clean_contact(kind, dict(fields))
    with transaction.atomic():
        if ContactPoint.objects.filter(debtor=debtor, kind=kind, value=data["value"]).exists():
            raise DomainError(_("%(v)s is already on file for this debtor.") % {"v": data["value"]}, field="value")
        if data.get("is_primary"):
            ContactPoint.objects.filter(debtor=debtor, kind=kind, is_primary=True).update(is_primary=False)
        contact = ContactPoint.objects.create(debtor=debtor, kind=kind, **data)
        audit_record(actor=actor, action="contact_point.added", obj=contact, after=snapshot(contact, CONTACT_FIELDS))
    return contact


def contact_point_update(*, contact: ContactPoint, actor: Actor, **changes: Any) -> ContactPoint:
    unknown = set(changes) - set(CONTACT_FIELDS) - {"opted_out"}
    if unknown:
        raise DomainError(_("These fields cannot be edited: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    with transaction.atomic():
        locked = ContactPoint.objects.select_for_update().get(pk=contact.pk)
        before = snapshot(locked, CONTACT_FIELDS)
        opted_out = changes.pop("opted_out", None)
        merged = {f: getattr(locked, f) for f in CONTACT_FIELDS} | changes
        data = _clean_contact(locked.kind, merged)
        if opted_out is True and locked.opted_out_at is None:
            data["opted_out_at"] = timezone.now()
        elif opted_out is False:
            data["opted_out_at"] = None
        for field, value in data.items():
            setattr(locked, field, value)
        b, a = changed_fields(before, snapshot(locked, CONTACT_FIELDS))
        if not a:
            return locked
        if (
            "value" in a
            and ContactPoint.objects.filter(debtor_id=locked.debtor_id, kind=locked.kind, value=locked.value)
            .exclude(pk=locked.pk)
            .exists()
        ):
            raise DomainError(_("%(v)s is already on file for this debtor.") % {"v": locked.value}, field="value")
        if a.get("is_primary"):
            ContactPoint.objects.filter(debtor_id=locked.debtor_id, kind=locked.kind, is_primary=True).exclude(
                pk=locked.pk
            ).update(is_primary=False)
        locked.save(update_fields=[*a.keys(), "updated_at"])
        audit_record(actor=actor, action="contact_point.updated", obj=locked, before=b, after=a)
    return locked


def reason_record(
    *, debtor: Debtor, reason: str, source: str, actor: Actor, debt: Any = None, note: str = ""
) -> ReasonRecord:
    """Record why a debtor has not paid (principle 7). Every recording is kept and audited."""
    if reason not in NonPaymentReason.values:
        raise DomainError(_("Choose a reason for non-payment from the list."), field="reason")
    if source not in ReasonSource.values:
        raise ValueError(source)
    if debt is not None and debt.debtor_id != debtor.pk:
        raise DomainError(_("This debt belongs to another debtor."), field="debt")
    with transaction.atomic():
        record = ReasonRecord.objects.create(
            debtor=debtor,
            debt=debt,
            reason=reason,
            source=source,
            note=note.strip()[:500],
            recorded_by_label=actor.label,
        )
        audit_record(
            actor=actor,
            action="debtor.reason_recorded",
            obj=debtor,
            after={"reason": reason, "source": source, "debt": debt.pk if debt is not None else None},
            reason=note,
        )
    return record
