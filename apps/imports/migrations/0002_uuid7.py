"""Time-ordered UUIDs (RFC 9562 version 7) for rows an import creates.

PostgreSQL 15 has no uuidv7(): the Unix time in milliseconds takes the first 48 bits, the last 80 come from
a random UUID whose version nibble is turned from 4 into 7. Keys created together sit together in every B-tree
that holds them (primary keys and the foreign keys pointing at them), so a large import writes index pages that
are already in memory instead of a random page per row.
"""

from django.db import migrations

SQL = """
CREATE OR REPLACE FUNCTION imports_uuid7() RETURNS uuid AS $$
  SELECT encode(
    set_bit(set_bit(
      substring(int8send((extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
        || substring(uuid_send(gen_random_uuid()) FROM 7),
      52, 1), 53, 1),
    'hex')::uuid
$$ LANGUAGE sql VOLATILE PARALLEL SAFE;
"""
REVERSE = "DROP FUNCTION IF EXISTS imports_uuid7();"


class Migration(migrations.Migration):
    dependencies = [("imports", "0001_initial")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
