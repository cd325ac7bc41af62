"""The change log cannot be altered, whichever way one tries.

- Both change-log models get a base manager that refuses updates and deletions (Django reads
  through the base manager without a scope, e.g. ``link.change``; it must not be a way round).
- On SQLite, triggers refuse to UPDATE or DELETE change records and their links to partners,
  as the PostgreSQL triggers of 0003 already do. SQLite has no TRUNCATE, so emptying a whole
  database (``flush``, run after each transactional test) lifts these triggers for the length
  of the flush and puts them back: core/management/commands/flush.py.

A later migration that rebuilds one of these tables on SQLite (SQLite alters a table by copying
it) drops its triggers with it and must create them again; core/tests/test_changelog.py checks
they are there.
"""

import django.db.models.manager
from django.db import migrations

TABLES = ("core_changerecord", "core_changerecordpartner")

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
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("core", "0005_attachment")]

    operations = [
        migrations.AlterModelOptions(
            name="changerecord",
            options={"base_manager_name": "_immutable_rows", "ordering": ["-at", "-id"]},
        ),
        migrations.AlterModelOptions(
            name="changerecordpartner",
            options={"base_manager_name": "objects"},
        ),
        migrations.AlterModelManagers(
            name="changerecord",
            managers=[
                ("objects", django.db.models.manager.Manager()),
                ("_immutable_rows", django.db.models.manager.Manager()),
            ],
        ),
        migrations.RunPython(forward, backward),
    ]
