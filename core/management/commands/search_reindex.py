"""`concord search_reindex`: rebuild the full-text search index from the records (core.search).

The index follows every write by itself; this is for after a restore, a change of what a model
declares searchable, or an index that is suspected stale. Search goes on answering while it
runs (each batch is put right in place), with a progress bar on stderr.
"""

from __future__ import annotations

from typing import Any, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from core.search import all_kinds, reindex
from core.tenancy.records import record_names


class Command(BaseCommand):
    help = (
        "Rebuild the full-text search index of every searchable kind of record (or those "
        "named), from the records themselves."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "kinds", nargs="*", help=f"kinds to rebuild (default: all): {', '.join(all_kinds())}"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        known = all_kinds()
        unknown = [kind for kind in options["kinds"] if kind not in known]
        if unknown:
            raise CommandError(
                f"No searchable kind {', '.join(unknown)}: choose from {', '.join(known)}."
            )
        chosen = [known[kind] for kind in options["kinds"]] or None
        bars: dict[Any, tqdm[Any]] = {}

        def progress(model: Any, done: int, total: int) -> None:
            bar = bars.get(model)
            if bar is None:
                bar = bars[model] = tqdm(
                    total=total,
                    unit="record",
                    desc=record_names(model)[1].capitalize(),
                    file=cast(Any, self.stderr._out),
                    mininterval=0.5,
                    disable=options["verbosity"] == 0,
                )
            bar.n = done
            bar.refresh()

        try:
            counts = reindex(chosen, progress=progress)
        finally:
            for bar in bars.values():
                bar.close()
        total = sum(counts.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Indexed {total} records for full-text search ("
                + ", ".join(f"{label}: {count}" for label, count in counts.items())
                + ")."
            )
        )
