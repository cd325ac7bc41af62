"""`concord cleanup`: remove import uploads never confirmed and old partner exports.

Run it once a day (cron, a systemd timer, or the scheduler the service already has). See
core/cleanup.py for what is kept and why.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from core.cleanup import EXPORT_DAYS, IMPORT_HOURS, STALLED_HOURS, clean_up


class Command(BaseCommand):
    help = (
        "Remove uploaded import files not confirmed within --import-hours (default 24) and "
        "partner export zips older than --export-days (default 7), and attachment files no "
        "record refers to (a day old); mark failed the jobs started more than --stalled-hours "
        "(default 12) ago that never finished. The records stay."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--import-hours", type=int, default=IMPORT_HOURS)
        parser.add_argument("--export-days", type=int, default=EXPORT_DAYS)
        parser.add_argument("--stalled-hours", type=int, default=STALLED_HOURS)
        parser.add_argument(
            "--dry-run", action="store_true", help="list what would be removed, remove nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        hours, days = options["import_hours"], options["export_days"]
        stalled = options["stalled_hours"]
        if hours < 1 or days < 1 or stalled < 1:
            raise CommandError(
                "--import-hours, --export-days and --stalled-hours must be at least 1."
            )
        done = clean_up(
            import_hours=hours,
            export_days=days,
            dry_run=options["dry_run"],
            stalled_hours=stalled,
        )
        verb = "Would remove" if options["dry_run"] else "Removed"
        for line in done.uploads:
            self.stdout.write(f"  import upload: {line}")
        for line in done.exports:
            self.stdout.write(f"  partner export: {line}")
        for line in done.orphans:
            self.stdout.write(f"  attachment file with no record: {line}")
        for line in done.stalled:
            self.stdout.write(f"  job that never finished, marked failed: {line}")
        self.stdout.write(
            f"{verb} {len(done.uploads)} unconfirmed import upload(s) older than {hours} hours, "
            f"{len(done.exports)} partner export file(s) older than {days} days "
            f"and {len(done.orphans)} attachment file(s) no record refers to; "
            f"{'would mark' if options['dry_run'] else 'marked'} {len(done.stalled)} job(s) "
            f"that never finished as failed."
        )
