"""The base schema new tenants are cloned from, kept current by the same migrate path as every tenant.

A new tenant's schema is a copy of the base schema made by django-tenants' clone_schema SQL function. Three
things keep that copy flat in cost as tenants accumulate (see bench/tenants.py):

- the clone function is installed by the migrate path, not re-created (DROP TYPE ... CASCADE) on every signup;
- the cloned django_migrations rows already say every migration is applied, so instead of a fake
  `migrate_schemas` per signup (which loads the whole migration graph) the base schema is checked once per
  process, and a tenant cloned from a stale base is migrated for real;
- the clone's catalog queries are planned from statistics; each signup adds ~100 catalog rows, so when the
  statistics fall well behind (autovacuum off or lagging) the catalogs the clone reads are analysed first.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django_tenants.clone import CloneSchema
from django_tenants.models import TenantMixin
from django_tenants.signals import post_schema_sync
from django_tenants.utils import schema_context, schema_exists

# The catalogs clone_schema's queries read; their statistics decide its plans.
CLONE_CATALOGS = (
    "pg_class",
    "pg_attribute",
    "pg_namespace",
    "pg_constraint",
    "pg_index",
    "pg_depend",
    "pg_type",
    "pg_attrdef",
    "pg_sequence",
    "pg_trigger",
)
# Analyse when changes since the last analyse exceed this share of pg_class (plus a floor). Autovacuum's default
# is 10% + 50 rows, so where autovacuum runs this rarely fires.
STALE_SHARE = 0.2
STALE_FLOOR = 1000
ANALYZE_STATISTICS_TARGET = 10

_base_is_current = False


def base_schema_name() -> str:
    return str(settings.TENANT_BASE_SCHEMA)


class _Cloner(CloneSchema):
    """django-tenants' cloner, minus re-installing its SQL functions when they are already there."""

    def _create_clone_schema_function(self) -> None:
        if not clone_function_installed():
            super()._create_clone_schema_function()

    def install(self) -> None:
        super()._create_clone_schema_function()


def clone_function_installed() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regprocedure('public.clone_schema(text, text, public.cloneparms[])') IS NOT NULL")
        return bool(cursor.fetchone()[0])


def base_schema_ensure(*, verbosity: int = 0) -> None:
    """Create the base schema if missing, apply every tenant migration to it, (re)install the clone function."""
    global _base_is_current
    name = base_schema_name()
    if not schema_exists(name):
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "{name}"')
    call_command("migrate_schemas", schema_name=name, interactive=False, verbosity=verbosity)
    connection.set_schema_to_public()  # type: ignore[attr-defined]
    # Re-installed on every migrate so a django-tenants upgrade's function replaces the old one.
    _Cloner().install()
    _base_is_current = False


def base_schema_is_current() -> bool:
    """True when the base schema has every migration on disk applied. Checked once per process: code (hence
    the migration graph) does not change under a running process, and the base schema only moves forward."""
    global _base_is_current
    if _base_is_current:
        return True
    graph_nodes = set(MigrationLoader(None, ignore_no_migrations=True).graph.nodes)
    with schema_context(base_schema_name()), connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations")
        applied = {(app, name) for app, name in cursor.fetchall()}
    _base_is_current = graph_nodes <= applied
    return _base_is_current


def catalog_statistics_refresh() -> bool:
    """Analyse the catalogs clone_schema reads if their statistics are well behind. True if it did."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.reltuples, s.n_mod_since_analyze FROM pg_catalog.pg_class c "
            "JOIN pg_catalog.pg_stat_sys_tables s ON s.relid = c.oid WHERE c.oid = 'pg_catalog.pg_class'::regclass"
        )
        row = cursor.fetchone()
        if row is None:
            return False
        reltuples, modified = max(float(row[0]), 0.0), int(row[1] or 0)
        if modified <= STALE_SHARE * reltuples + STALE_FLOOR:
            return False
        # A small sample is enough to plan the clone's lookups and keeps this well under a second at 200+ tenants.
        cursor.execute("SET LOCAL default_statistics_target = %s", [ANALYZE_STATISTICS_TARGET])
        cursor.execute("ANALYZE " + ", ".join(f"pg_catalog.{name}" for name in CLONE_CATALOGS))
        cursor.execute("RESET default_statistics_target")
    return True


def tenant_schema_create(tenant: TenantMixin) -> None:
    """Create `tenant`'s schema as a copy of the base schema (run inside the signup transaction)."""
    if not schema_exists(base_schema_name()):
        base_schema_ensure()
    connection.set_schema_to_public()  # type: ignore[attr-defined]
    catalog_statistics_refresh()
    _Cloner().clone_schema(base_schema_name(), tenant.schema_name, tenant.clone_mode)
    if not base_schema_is_current():
        call_command("migrate_schemas", schema_name=tenant.schema_name, interactive=False, verbosity=0)
    connection.set_schema_to_public()  # type: ignore[attr-defined]
    post_schema_sync.send(sender=TenantMixin, tenant=tenant.serializable_fields())
