"""`concord rollup --rebuild [--from DATE --to DATE]`: the KPI figures rebuilt from the
records (reporting.rollups), with a progress bar on stderr; `concord rollup` alone runs the
nightly roll-up now (the job's work, in the foreground).

Rebuilding writes only what differs from the figures there, so it may run while people read
the dashboards. Without --from, it starts from the first day any council's desk opened a
ticket (or a year ago, if there are no records); without --to, it ends yesterday.
"""

from __future__ import annotations

import datetime
from typing import Any, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from core.context import acting_as
from core.tenancy.scoping import system_scope
from reporting import rollups


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date: give it as YYYY-MM-DD") from None


class Command(BaseCommand):
    help = (
        "Roll up the KPI figures: with --rebuild, every day from --from to --to from the "
        "records; without, what the nightly job does (yesterday, and the days that changed)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rebuild", action="store_true", help="rebuild every day of the range")
        parser.add_argument("--from", dest="first", help="first day (YYYY-MM-DD)")
        parser.add_argument("--to", dest="last", help="last day (YYYY-MM-DD; default yesterday)")

    def handle(self, *args: Any, **options: Any) -> None:
        with system_scope("concord rollup"), acting_as(label="command:rollup"):
            if not options["rebuild"]:
                if options["first"] or options["last"]:
                    raise CommandError("--from and --to go with --rebuild")
                done = rollups.nightly()
                self.stdout.write(self.style.SUCCESS(f"Rolled up: {done}"))
                return
            yesterday = timezone.localdate() - datetime.timedelta(days=1)
            last = _date(options["last"]) if options["last"] else yesterday
            first = _date(options["first"]) if options["first"] else rollups.first_day(last)
            if first > last:
                raise CommandError("--from must be the same as or before --to")
            total = (last - first).days + 1
            bar = tqdm(
                total=total,
                unit="day",
                desc="KPI figures",
                file=cast(Any, self.stderr._out),
                mininterval=0.5,
                disable=options["verbosity"] == 0,
            )

            def progress(done: int, of: int) -> None:
                bar.n = done
                bar.refresh()

            try:
                written = rollups.rebuild(first, last, progress=progress)
            finally:
                bar.close()
        self.stdout.write(
            self.style.SUCCESS(
                f"Rolled up {total} days from {first} to {last}: {written.created} figures "
                f"added, {written.updated} changed, {written.deleted} removed, "
                f"{written.unchanged} unchanged."
            )
        )
