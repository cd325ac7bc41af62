"""Search's shortcuts against its slow path, alternately, at the same moment (decision 0042).

    python benches/ab_search.py [--rounds 8] [--repeat 3]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/concord_bench python benches/ab_search.py

On a shared machine two benchmark runs minutes apart cannot be compared. This runs
`core.search.search` (a page of 50, snippets and all; no HTTP) in one process against the
database benches/bench_search.py filled, for its readers and searches, alternating round after
round between the code as it is and its slow path: on SQLite the newest matches sorted by id
without the councils in the FTS5 query, and ranking and snippets reading every match of the
words; on PostgreSQL ranking testing the words again; on both, each restricted part checked
(no `restricted_partner` shortcut). These are the slow paths the tests compare the shortcuts
with (servicedesk/tests/test_search.py). Prints the median over rounds of each side's p50 and
p95 in a Markdown table, and the load average before and after.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "concord.settings")
os.environ.setdefault("CONCORD_ENV", "development")
os.environ.setdefault("CONCORD_DEBUG", "0")  # measured as production runs

import django  # noqa: E402

django.setup()

# isort: split
from bench_search import SEARCHES  # noqa: E402
from django.db import connection  # noqa: E402

from core.search import query, search, visibility  # noqa: E402
from core.tenancy.models import Partner, User  # noqa: E402
from core.tenancy.scoping import system_scope  # noqa: E402


def slow_path() -> dict[tuple[Any, str], Any]:
    """The replacements that make the slow path, by (owner, name)."""
    backend = type(query._backend())
    found: dict[tuple[Any, str], Any] = {
        (visibility, "_whole_councils"): lambda user, model: None,
        (backend, "ranking"): lambda self, entries, text, ids, councils: self.matching(
            entries.filter(pk__in=ids), text
        ),
    }
    if backend is query._Sqlite:
        found[(backend, "newest")] = lambda self, entries, text, councils: self.matching(
            entries, text, ranked=False
        ).order_by("-pk")
        found[(backend, "snippets")] = lambda self, entries, text, ids, councils: self.marked_up(
            entries.filter(pk__in=ids), query._fts5_match(text)
        )
    return found


def timed(user: Any, words: str, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        search(user, words, size=50)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with system_scope("benchmark readers"):
        first = Partner.objects.order_by("pk").first()
        assert first is not None, "run benches/bench_search.py first: it fills the database"
        readers = [
            ("agent (every council)", User.objects.get(username="bench.searcher")),
            ("council lead", User.objects.get(username=f"{first.code}.searchlead")),
            (
                "requester (own tickets)",
                User.objects.filter(username__startswith=f"{first.code}.requester")
                .order_by("username")
                .first(),
            ),
        ]
    replacements = slow_path()
    originals = {key: getattr(key[0], key[1]) for key in replacements}
    load_before = os.getloadavg()
    rows = []
    for reader_name, user in readers:
        for search_name, words in SEARCHES:
            sides: dict[str, list[tuple[float, float]]] = {"fast": [], "slow": []}
            for _ in range(args.rounds):
                for side in ("fast", "slow"):
                    for (owner, name), value in (
                        replacements if side == "slow" else originals
                    ).items():
                        setattr(owner, name, value)
                    samples = sorted(timed(user, words, args.repeat + 1)[1:])
                    sides[side].append((statistics.median(samples), samples[-1]))
            for (owner, name), value in originals.items():
                setattr(owner, name, value)
            fast = [statistics.median(s[i] for s in sides["fast"]) for i in (0, 1)]
            slow = [statistics.median(s[i] for s in sides["slow"]) for i in (0, 1)]
            rows.append((reader_name, f"{search_name} ({words})", slow, fast))
            print(f"{reader_name}, {search_name}: {slow[0]:.0f} -> {fast[0]:.0f}", file=sys.stderr)
    load_after = os.getloadavg()
    database = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    print(
        f"Command: `python benches/ab_search.py --rounds {args.rounds} --repeat {args.repeat}` "
        f"on {database}, load average {load_before[0]:.1f} before and {load_after[0]:.1f} after."
    )
    print()
    print("| reader | search | slow path p50 ms | now p50 ms | slow path max ms | now max ms |")
    print("|---|---|---:|---:|---:|---:|")
    for reader_name, search_name, slow, fast in rows:
        print(
            f"| {reader_name} | {search_name} | {slow[0]:.1f} | {fast[0]:.1f} | "
            f"{slow[1]:.1f} | {fast[1]:.1f} |"
        )


if __name__ == "__main__":
    main()
