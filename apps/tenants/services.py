"""Tenant lifecycle: signup (schema cloned from the base schema, domain, owner), suspend, reactivate."""

from __future__ import annotations

import re
import uuid
import zoneinfo
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context
from PIL import Image

from apps.accounts.models import Role, User
from apps.audit.services import Actor, audit_record, changed_fields, snapshot
from apps.core.errors import DomainError
from apps.policies.services import policies_install_defaults
from apps.tenants.models import Domain, Jurisdiction, Tenant, TenantStatus
from apps.tenants.schema import tenant_schema_create

SUBDOMAIN_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def tenant_domain_for(subdomain: str) -> str:
    return f"{subdomain}.{settings.AMIABLE_BASE_DOMAIN}"


def tenant_base_url(tenant: Tenant) -> str:
    port = f":{settings.AMIABLE_URL_PORT}" if settings.AMIABLE_URL_PORT else ""
    return f"{settings.AMIABLE_URL_SCHEME}://{tenant_domain_for(tenant.subdomain)}{port}"


def subdomain_check(subdomain: str) -> str:
    value = (subdomain or "").strip().lower()
    if not SUBDOMAIN_RE.match(value):
        raise DomainError(
            _("Use 1–63 lowercase letters, digits or hyphens, not starting or ending with a hyphen."),
            field="subdomain",
        )
    if value in settings.RESERVED_SUBDOMAINS or value.startswith("pg_"):
        raise DomainError(_("“%(s)s” is reserved. Choose another subdomain.") % {"s": value}, field="subdomain")
    if Tenant.objects.filter(subdomain=value).exists() or Domain.objects.filter(domain=tenant_domain_for(value)):
        raise DomainError(_("“%(s)s” is already taken.") % {"s": value}, field="subdomain")
    return value


def tenant_create(
    *,
    subdomain: str,
    legal_name: str,
    address_line1: str,
    postal_code: str,
    city: str,
    country: str,
    jurisdiction: str,
    owner_email: str,
    owner_password: str,
    owner_name: str = "",
    **settings_fields: Any,
) -> tuple[Tenant, User]:
    """Create the tenant, its schema (cloned from the base schema), its domain and its owner."""
    subdomain = subdomain_check(subdomain)
    if jurisdiction not in Jurisdiction.values:
        raise DomainError(_("Jurisdiction must be US, FR or PL."), field="jurisdiction")
    tz = settings_fields.get("timezone", "UTC")
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise DomainError(_("“%(v)s” is not a known timezone.") % {"v": tz}, field="timezone") from None
    schema_name = "t_" + subdomain.replace("-", "_")
    if Tenant.objects.filter(schema_name__iexact=schema_name).exists():
        raise DomainError(_("“%(s)s” is already taken.") % {"s": subdomain}, field="subdomain")
    try:
        with transaction.atomic():
            tenant = Tenant(
                schema_name=schema_name,
                subdomain=subdomain,
                legal_name=legal_name.strip(),
                address_line1=address_line1.strip(),
                postal_code=postal_code.strip(),
                city=city.strip(),
                country=country.strip().upper(),
                jurisdiction=jurisdiction,
                **settings_fields,
            )
            tenant.save(verbosity=0)
            tenant_schema_create(tenant)
            Domain.objects.create(domain=tenant_domain_for(subdomain), tenant=tenant, is_primary=True)
            audit_record(
                actor=Actor.system(f"signup {owner_email}"),
                action="tenant.created",
                obj=tenant,
                after={"subdomain": subdomain, "jurisdiction": jurisdiction, "schema": schema_name},
            )
            with schema_context(schema_name):
                owner = User.objects.create_user(
                    owner_email, owner_password, full_name=owner_name, role=Role.OWNER, language=tenant.default_locale
                )
                audit_record(
                    actor=Actor.for_user(owner),
                    action="user.created",
                    obj=owner,
                    after={"email": owner.email, "role": Role.OWNER},
                    reason="tenant signup",
                )
                policies_install_defaults(tenant=tenant)
    except IntegrityError:
        # Two signups raced for the same subdomain; the loser's transaction, schema included, is rolled back.
        raise DomainError(_("“%(s)s” is already taken.") % {"s": subdomain}, field="subdomain") from None
    return tenant, owner


def _set_status(tenant: Tenant, *, status: str, actor: Actor, reason: str) -> Tenant:
    with transaction.atomic():
        locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
        if locked.status == status:
            raise DomainError(_("%(t)s is already %(s)s.") % {"t": locked.legal_name, "s": locked.get_status_display()})
        before = locked.status
        locked.status = status
        locked.status_reason = reason
        locked.status_changed_at = timezone.now()
        locked.save(update_fields=["status", "status_reason", "status_changed_at"])
        audit_record(
            actor=actor,
            action=f"tenant.{'suspended' if status == TenantStatus.SUSPENDED else 'reactivated'}",
            obj=locked,
            before={"status": before},
            after={"status": status},
            reason=reason,
        )
    return locked


def tenant_suspend(*, tenant: Tenant, actor: Actor, reason: str) -> Tenant:
    if not reason.strip():
        raise DomainError(_("Say why the tenant is suspended; its staff will see it."), field="reason")
    return _set_status(tenant, status=TenantStatus.SUSPENDED, actor=actor, reason=reason.strip())


def tenant_reactivate(*, tenant: Tenant, actor: Actor, reason: str = "") -> Tenant:
    return _set_status(tenant, status=TenantStatus.ACTIVE, actor=actor, reason=reason.strip())


SETTINGS_FIELDS = (
    "legal_name",
    "address_line1",
    "address_line2",
    "postal_code",
    "city",
    "country",
    "role",
    "default_locale",
    "currency",
    "timezone",
    "brand_color",
    "support_email",
    "support_phone",
)
LOGO_FORMATS = {"PNG": "png", "JPEG": "jpg", "GIF": "gif", "WEBP": "webp"}


def _tenant_has_debts(tenant: Tenant) -> bool:
    from apps.debts.models import Debt

    with schema_context(tenant.schema_name):
        return Debt.objects.exists()


def _logo_extension(logo: Any) -> str:
    try:
        with Image.open(logo) as image:
            image.verify()
            fmt = image.format or ""
    except (OSError, SyntaxError, ValueError):
        raise DomainError(_("Upload a PNG, JPEG, GIF or WebP image."), field="logo") from None
    finally:
        logo.seek(0)
    if fmt not in LOGO_FORMATS:
        raise DomainError(_("Upload a PNG, JPEG, GIF or WebP image."), field="logo")
    return LOGO_FORMATS[fmt]


def tenant_update(
    *, tenant: Tenant, actor: Actor, logo: Any = None, remove_logo: bool = False, **fields: Any
) -> Tenant:
    """Change a tenant's settings. The jurisdiction is fixed at signup; the currency once debts exist."""
    unknown = set(fields) - set(SETTINGS_FIELDS)
    if unknown:
        raise DomainError(_("These settings cannot be changed here: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    if "timezone" in fields:
        try:
            zoneinfo.ZoneInfo(fields["timezone"])
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise DomainError(
                _("“%(v)s” is not a known timezone.") % {"v": fields["timezone"]}, field="timezone"
            ) from None
    if "brand_color" in fields:
        fields["brand_color"] = str(fields["brand_color"]).lower()
        if not re.fullmatch(r"#[0-9a-f]{6}", fields["brand_color"]):
            raise DomainError(_("Use a colour like #2f6f5e."), field="brand_color")
    if "country" in fields:
        fields["country"] = str(fields["country"]).strip().upper()
    extension = _logo_extension(logo) if logo else ""
    with transaction.atomic():
        locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
        before = {**snapshot(locked, list(SETTINGS_FIELDS)), "logo": locked.logo.name or ""}
        if fields.get("currency", locked.currency) != locked.currency and _tenant_has_debts(locked):
            raise DomainError(
                _(
                    "The currency cannot change: debts are already recorded in %(c)s. "
                    "Contact Amiable support if it must."
                )
                % {"c": locked.currency},
                field="currency",
            )
        for name, value in fields.items():
            setattr(locked, name, value.strip() if isinstance(value, str) else value)
        replaced = locked.logo.name if locked.logo and (logo or remove_logo) else ""
        if remove_logo:
            locked.logo = ""
        if logo:
            locked.logo.save(f"logo-{uuid.uuid4().hex}.{extension}", logo, save=False)
        after = {**snapshot(locked, list(SETTINGS_FIELDS)), "logo": locked.logo.name or ""}
        old, new = changed_fields(before, after)
        if not new:
            return locked
        locked.save(update_fields=list(new))
        audit_record(actor=actor, action="tenant.updated", obj=locked, before=old, after=new)
        if replaced:
            storage = locked.logo.storage
            transaction.on_commit(lambda: storage.delete(replaced))
    return locked
