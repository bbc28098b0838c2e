"""The audit log refuses UPDATE and DELETE at the database, not only in the ORM."""

from django.db import migrations

SQL = """
CREATE OR REPLACE FUNCTION amiable_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_auditevent_append_only BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION amiable_refuse_change();
"""
REVERSE = "DROP TRIGGER IF EXISTS audit_auditevent_append_only ON audit_auditevent;"


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
