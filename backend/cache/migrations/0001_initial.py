from django.db import migrations

# Both tables are unlogged: after a crash PostgreSQL empties them together, which leaves no answer without its
# writes. Neither is a Django model: a test database's flush leaves them, and the truncations it makes are
# themselves writes that the log records.
SQL = """
CREATE UNLOGGED TABLE response_cache_answer (
    key bytea PRIMARY KEY,
    answer text NOT NULL,
    tables text[] NOT NULL,
    snapshot pg_snapshot NOT NULL,
    stored_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNLOGGED TABLE response_cache_write (
    table_name text NOT NULL,
    xid xid8 NOT NULL,
    PRIMARY KEY (table_name, xid)
);
CREATE FUNCTION response_cache_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO response_cache_write (table_name, xid) VALUES (TG_TABLE_NAME, pg_current_xact_id())
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
"""

REVERSE = """
DROP TABLE response_cache_answer;
DROP TABLE response_cache_write;
DROP FUNCTION response_cache_written() CASCADE;
"""


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [migrations.RunSQL(SQL, REVERSE)]
