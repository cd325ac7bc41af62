"""Whether a database was made by this version of Concord's migrations, said plainly if not.

The first migrations were regenerated when the tenancy kernel moved into core and the estate
became an app of its own (docs/decisions/0007-tenancy-kernel-in-core.md). A database made
before that holds migrations the code no longer has (``partners.0001_initial``), and Django
would fail on it obscurely (a table that already exists, or "InconsistentMigrationHistory").
Before ``migrate`` and ``demo`` touch such a database, `refuse_stale_database` says what to do.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder


def unknown_migrations(connection: Any) -> list[tuple[str, str]]:
    """Migrations recorded as applied in the database that this code does not have."""
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return []
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    for migration in loader.disk_migrations.values():
        known.update((app, name) for app, name in migration.replaces)
    return sorted(key for key in recorder.applied_migrations() if key not in known)


def refuse_stale_database(connection: Any) -> None:
    """Raise a CommandError saying the database must be made again, if it was made by an
    earlier layout of Concord's migrations."""
    unknown = unknown_migrations(connection)
    if not unknown:
        return
    named = ", ".join(f"{app}.{name}" for app, name in unknown[:5])
    more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
    where = connection.settings_dict.get("NAME")
    raise CommandError(
        f"This database ({where}) was made by an earlier version of Concord, whose migrations "
        f"this version no longer has ({named}{more}). It cannot be brought up to date: make it "
        "again. For the demo, delete the var/ folder (or just var/concord.sqlite3) and run "
        "`make demo`; for PostgreSQL, drop and create the database, then run "
        "`concord migrate`."
    )
