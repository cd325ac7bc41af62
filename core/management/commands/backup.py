"""`concord backup FILE`: every row of the database into one portable file (core/backup.py).

Safe while Concord runs: the file is one consistent moment. Uploaded files are not in it: copy
the media folder beside it (docs/deployment.md, "Backup and restore").
"""

from __future__ import annotations

import os
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from core.backup import BackupError, write_backup


class Command(BaseCommand):
    help = (
        "Write every row of the database (records, change log, accounts, jobs...) to FILE, a "
        "gzip-compressed JSON Lines file that `concord restore` puts back into an empty "
        "database, SQLite or PostgreSQL. It will not replace an existing file unless given "
        "--force."
    )

    verbosity = 1

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help="where to write it, e.g. concord-2026-01-31.jsonl.gz")
        parser.add_argument("--force", action="store_true", help="replace FILE if it exists")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help=DEFAULT_DB_ALIAS)

    def handle(self, *args: Any, **options: Any) -> None:
        self.verbosity = options["verbosity"]
        path = Path(options["file"])
        if path.exists() and not options["force"]:
            raise CommandError(f"{path} exists already; give --force to replace it.")
        # Written beside it under another name and renamed when complete, so that a backup cut
        # short is never left looking like one.
        partial = path.with_name(f".{path.name}.partial")
        try:
            counts = write_backup(partial, using=options["database"], progress=self.progress)
            os.replace(partial, path)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            partial.unlink(missing_ok=True)
        self.stdout.write(
            self.style.SUCCESS(
                f"Backed up {sum(counts.values())} rows of {len(counts)} tables to {path} "
                f"({path.stat().st_size / 1e6:.1f} MB)."
            )
        )

    def progress(self, label: str, rows: int) -> None:
        if self.verbosity > 1:
            self.stderr.write(f"  {label}: {rows}")
