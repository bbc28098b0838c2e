"""Ledger entries are never updated or deleted: corrections are new entries."""

from django.db import migrations

SQL = """
CREATE OR REPLACE FUNCTION amiable_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER debts_ledgerentry_append_only BEFORE UPDATE OR DELETE ON debts_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION amiable_refuse_change();
"""
REVERSE = "DROP TRIGGER IF EXISTS debts_ledgerentry_append_only ON debts_ledgerentry;"


class Migration(migrations.Migration):
    dependencies = [("debts", "0001_initial"), ("audit", "0002_append_only")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
