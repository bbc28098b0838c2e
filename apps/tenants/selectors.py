"""Reads for the operator console: tenants with a few per-schema counts."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import Q, QuerySet

from apps.tenants.models import Tenant


@dataclass(frozen=True)
class TenantCounts:
    staff: int
    debtors: int


def tenants_for_operator(*, search: str = "", status: str = "") -> QuerySet[Tenant]:
    tenants = Tenant.objects.exclude(schema_name="public").order_by("-created_at", "pk")
    if search:
        tenants = tenants.filter(
            Q(legal_name__icontains=search) | Q(subdomain__icontains=search) | Q(city__icontains=search)
        )
    if status:
        tenants = tenants.filter(status=status)
    return tenants


def tenant_counts(tenants: list[Tenant]) -> dict[int, TenantCounts]:
    """Active staff and debtors per tenant, in one query across the given tenants' schemas."""
    from apps.accounts.models import User
    from apps.debtors.models import Debtor

    if not tenants:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nspname FROM pg_catalog.pg_namespace WHERE nspname = ANY(%s)", [[t.schema_name for t in tenants]]
        )
        present = {row[0] for row in cursor.fetchall()}
        live = [t for t in tenants if t.schema_name in present]
        if not live:
            return {}
        # Schema and table names are identifiers from our own rows, quoted; the tenant ids are parameters.
        quote = connection.ops.quote_name
        users, debtors = quote(User._meta.db_table), quote(Debtor._meta.db_table)
        parts = [
            f"SELECT %s, (SELECT count(*) FROM {quote(t.schema_name)}.{users} WHERE is_active), "  # noqa: S608
            f"(SELECT count(*) FROM {quote(t.schema_name)}.{debtors})"
            for t in live
        ]
        cursor.execute(" UNION ALL ".join(parts), [t.pk for t in live])
        return {pk: TenantCounts(staff=staff, debtors=debtors) for pk, staff, debtors in cursor.fetchall()}
