"""`concord restore FILE`: a backup of `concord backup` back into an empty database.

The database must be new and migrated (`concord migrate`) by the version of Concord that made
the backup; everything is restored in one transaction, or nothing is (core/backup.py).
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from core.backup import BackupError, read_backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by `concord backup` into an empty database, just made with "
        "`concord migrate` by the same version of Concord: every row with its own id, the "
        "change log included. All or nothing."
    )

    verbosity = 1

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help="the backup, e.g. concord-2026-01-31.jsonl.gz")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help=DEFAULT_DB_ALIAS)

    def handle(self, *args: Any, **options: Any) -> None:
        self.verbosity = options["verbosity"]
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"There is no file {path}.")
        try:
            counts = read_backup(path, using=options["database"], progress=self.progress)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {sum(counts.values())} rows of {len(counts)} tables from {path}."
            )
        )

    def progress(self, label: str, rows: int) -> None:
        if self.verbosity > 1:
            self.stderr.write(f"  {label}: {rows}")
