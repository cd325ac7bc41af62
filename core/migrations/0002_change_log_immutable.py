"""The database itself refuses to alter or delete change records and their links to councils.

The ORM refuses already (core.models: ImmutableRowsQuerySet, WrittenOnce, and a base manager
that refuses, since Django reads through the base manager without a scope); these triggers
close the database too, whatever client writes to it:

- PostgreSQL: a trigger function raising on UPDATE or DELETE of either table.
- SQLite: a trigger per table and event. SQLite has no TRUNCATE, so emptying a whole database
  (``flush``, run after each transactional test) lifts these triggers for the length of the
  flush and puts them back: core/management/commands/flush.py.

A later migration that rebuilds one of these tables on SQLite (SQLite alters a table by copying
it) drops its triggers with it and must create them again; core/tests/test_changelog.py checks
they are there.
"""

from django.db import migrations

TABLES = ("core_changerecord", "core_changerecordpartner")

POSTGRESQL_FORWARD = """
CREATE OR REPLACE FUNCTION concord_change_log_is_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'Change records are immutable';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_changerecord_immutable BEFORE UPDATE OR DELETE ON core_changerecord
    FOR EACH ROW EXECUTE FUNCTION concord_change_log_is_immutable();
CREATE TRIGGER core_changerecordpartner_immutable BEFORE UPDATE OR DELETE
    ON core_changerecordpartner FOR EACH ROW EXECUTE FUNCTION concord_change_log_is_immutable();
"""

POSTGRESQL_BACKWARD = """
DROP TRIGGER IF EXISTS core_changerecord_immutable ON core_changerecord;
DROP TRIGGER IF EXISTS core_changerecordpartner_immutable ON core_changerecordpartner;
DROP FUNCTION IF EXISTS concord_change_log_is_immutable();
"""

SQLITE_FORWARD = [
    f"""
    CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table}
    BEGIN
        SELECT RAISE(ABORT, 'Change records are immutable');
    END;
    """
    for table in TABLES
    for event in ("UPDATE", "DELETE")
]

SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS {table}_no_{event.lower()};"
    for table in TABLES
    for event in ("UPDATE", "DELETE")
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_FORWARD)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_BACKWARD)
    elif vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
