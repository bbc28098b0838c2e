"""Tenants (one PostgreSQL schema each) and the domains that route to them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin


class Jurisdiction(models.TextChoices):
    US = "US", _("United States")
    FR = "FR", _("France")
    PL = "PL", _("Poland")


class TenantRole(models.TextChoices):
    CREDITOR = "creditor", _("Creditor collecting its own invoices")
    AGENCY = "agency", _("Collection agency")


class Locale(models.TextChoices):
    EN = "en", "English"
    FR = "fr", "Français"
    PL = "pl", "Polski"


class Currency(models.TextChoices):
    EUR = "EUR", "EUR"
    PLN = "PLN", "PLN"
    USD = "USD", "USD"


class TenantStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")


class Tenant(TenantMixin):
    # services.tenant_create creates the schema by cloning the base schema (apps.tenants.schema), in the same
    # transaction as the row; django-tenants' own creation path would re-install the clone function and run a
    # fake migrate for every signup.
    auto_create_schema = False

    subdomain = models.SlugField(max_length=63, unique=True)
    legal_name = models.CharField(max_length=200)
    address_line1 = models.CharField(max_length=200)
    address_line2 = models.CharField(max_length=200, blank=True)
    postal_code = models.CharField(max_length=20)
    city = models.CharField(max_length=100)
    country = models.CharField(max_length=2)
    jurisdiction = models.CharField(max_length=2, choices=Jurisdiction.choices)
    role = models.CharField(max_length=10, choices=TenantRole.choices, default=TenantRole.CREDITOR)
    default_locale = models.CharField(max_length=5, choices=Locale.choices, default=Locale.EN)
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.EUR)
    timezone = models.CharField(max_length=64, default="UTC")
    brand_color = models.CharField(max_length=7, default="#2f6f5e")
    logo = models.ImageField(upload_to="branding/", blank=True)
    support_email = models.EmailField(blank=True)
    support_phone = models.CharField(max_length=32, blank=True)
    status = models.CharField(max_length=10, choices=TenantStatus.choices, default=TenantStatus.ACTIVE)
    status_reason = models.CharField(max_length=500, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["legal_name"]

    def __str__(self) -> str:
        return f"{self.legal_name} ({self.subdomain})"

    @property
    def is_suspended(self) -> bool:
        return self.status == TenantStatus.SUSPENDED

    @property
    def is_public(self) -> bool:
        return self.schema_name == "public"


class Domain(DomainMixin):
    pass
