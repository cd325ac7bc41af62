"""Benchmark: full-text search over many tickets across many councils, beside raw SQL.

    python benches/bench_search.py --tickets 100000 --partners 30 [--repeat 50]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/concord_bench python benches/bench_search.py

The tickets are the desk benchmarks' (benches/desk_data.py: raw SQL, a public reply on one
ticket in four and an internal note on one in eight); the index is built through the machinery
(`core.search.reindex`, what ``concord search_reindex`` runs, timed). Then times searches as
people make them, through ``GET /api/v1/search/`` (a page of 20, snippets and all): a common
word, a rare one, two words, a phrase, a word with ``-``, each as a shared-service agent (every
council), a council's lead (one council, notes included) and a requester (own tickets, no
notes). Each figure is printed beside the same search's first page in raw SQL (the floor:
matching, ranking and the council's narrowing, without the snippets or the scoping machinery).
Prints a Markdown table for docs/performance.md, and one line of JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "concord.settings")
os.environ.setdefault("CONCORD_ENV", "development")
os.environ.setdefault("CONCORD_DEBUG", "0")  # measured as production runs

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

import concord.wsgi  # noqa: E402, F401
from core.heap import freeze_what_is_loaded  # noqa: E402

# isort: split
import desk_data  # noqa: E402
from desk_data import person  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402

from core.models import SearchEntry  # noqa: E402
from core.search import BODY_WEIGHT, RANKED_AT_MOST, TITLE_WEIGHT, fts5_query, reindex  # noqa: E402
from core.tenancy.choices import CouncilRole, ServiceRole  # noqa: E402
from core.tenancy.models import Partner, User  # noqa: E402
from core.tenancy.scoping import system_scope  # noqa: E402
from servicedesk.models import Ticket  # noqa: E402

#: What is searched for: (name, words). "rare" is a word one ticket in about 5,000 holds.
SEARCHES = [
    ("common word", "printer"),
    ("rare word", "zeppelin"),
    ("two words", "laptop battery"),
    ("phrase", '"will not start"'),
    ("word without another", "router -wifi"),
]


def ms(seconds: float) -> float:
    return seconds * 1000.0


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def fill(tickets: int, partners: int) -> tuple[list[Partner], dict[int, User]]:
    """The desk benchmarks' tickets (benches/desk_data.py), and their index, built through
    the machinery (`core.search.reindex`, what ``concord search_reindex`` runs, timed) unless
    every ticket is in it already."""
    desk = desk_data.fill(tickets, partners)
    requesters = {pk: people[0] for pk, people in desk.requesters.items()}
    with system_scope("benchmark fill"):
        indexed = SearchEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Ticket), audience="everyone"
        ).count()
        everything = Ticket.objects.count()
    if indexed == everything:
        return desk.partners, requesters
    print("indexing...", file=sys.stderr)
    start = time.perf_counter()
    reindex([Ticket])
    seconds = time.perf_counter() - start
    print(f"indexed {tickets} tickets in {seconds:.0f}s", file=sys.stderr)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
    (ROOT / "var" / "bench" / f"search-index-{connection.vendor}.txt").write_text(f"{seconds:.1f}")
    return desk.partners, requesters


def raw_sql(words: str, partner_id: int | None) -> tuple[str, list[Any]]:
    """The first page of a search in plain SQL, made as Concord makes it: the matches (a
    council's by the entries' council: on PostgreSQL the entries' column, on SQLite inside the
    FTS5 query too, with the kinds no council owns, read newest first in the FTS5 table's
    order), the newest `RANKED_AT_MOST` of them ranked (on SQLite reading the words' matches
    of their rowid range only), the best 21 kept; without the visibility rule's checks of
    each match, the snippets or HTTP."""
    narrowing = "AND e.partner_id = %s " if partner_id is not None else ""
    owner = [partner_id] if partner_id is not None else []
    if connection.vendor == "postgresql":
        query = "websearch_to_tsquery('english', %s)"
        sql = (
            "SELECT e.id, e.object_id, "
            f"ts_rank('{{0, 0, {BODY_WEIGHT}, {TITLE_WEIGHT}}}'::float4[], e.document, {query}) "
            "AS r FROM core_searchentry e WHERE e.id IN ("
            f"SELECT m.id FROM core_searchentry m WHERE m.document @@ {query} "
            f"{narrowing.replace('e.', 'm.')}ORDER BY m.id DESC LIMIT {RANKED_AT_MOST}) "
            "ORDER BY r DESC, e.id DESC LIMIT 21"
        )
        return sql, [words, words, *owner]
    words_only = "{title body} : (" + fts5_query(words) + ")"
    newest = words_only
    if partner_id is not None:
        newest += f' AND council : ("0" OR "{partner_id}")'
    sql = (
        "WITH newest AS (SELECT m.id FROM core_searchentry m JOIN core_searchentry_fts f "
        f"ON f.rowid = m.id WHERE f.core_searchentry_fts MATCH %s "
        f"{narrowing.replace('e.', 'm.')}ORDER BY f.rowid DESC LIMIT {RANKED_AT_MOST}) "
        "SELECT e.id, e.object_id, "
        f"bm25(core_searchentry_fts, {TITLE_WEIGHT}, {BODY_WEIGHT}, 0.0) AS r "
        "FROM core_searchentry e JOIN core_searchentry_fts ON core_searchentry_fts.rowid = e.id "
        "WHERE core_searchentry_fts MATCH %s AND e.id IN (SELECT id FROM newest) "
        "AND core_searchentry_fts.rowid >= (SELECT min(id) FROM newest) "
        "AND core_searchentry_fts.rowid <= (SELECT max(id) FROM newest) "
        "ORDER BY r, e.id DESC LIMIT 21"
    )
    return sql, [newest, *owner, newest]


def time_raw(words: str, partner_id: int | None, repeat: int) -> float:
    sql, params = raw_sql(words, partner_id)
    samples = []
    with connection.cursor() as cur:
        for i in range(repeat + 3):
            start = time.perf_counter()
            cur.execute(sql, params)
            cur.fetchall()
            if i >= 3:
                samples.append(ms(time.perf_counter() - start))
    return percentiles(samples)[1]


def time_api(client: Client, words: str, repeat: int) -> tuple[float, float, int]:
    samples = []
    count = 0
    for i in range(repeat + 3):
        start = time.perf_counter()
        response = client.get("/api/v1/search/", {"q": words})
        elapsed = ms(time.perf_counter() - start)
        assert response.status_code == 200, response.content[:300]
        count = len(response.json()["results"])
        if i >= 3:
            samples.append(elapsed)
    p50, p95 = percentiles(samples)
    return p50, p95, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--partners", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()

    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    made, requesters = fill(args.tickets, args.partners)
    # The server's process starts with what it loaded frozen out of the collector's walks
    # (concord.wsgi); so does this one, its migrations and its filling included.
    freeze_what_is_loaded()
    first = made[0]
    readers = [
        ("agent (every council)", person("bench.searcher", ServiceRole.AGENT), None),
        (
            "council lead",
            person(f"{first.code}.searchlead", partner=first, role=CouncilRole.LEAD),
            first.pk,
        ),
        ("requester (own tickets)", requesters[first.pk], first.pk),
    ]
    measurements = []
    for reader_name, user, partner_id in readers:
        client = Client()
        client.force_login(user, backend="core.tenancy.auth.ConcordBackend")
        for search_name, words in SEARCHES:
            p50, p95, count = time_api(client, words, args.repeat)
            raw = time_raw(words, partner_id, args.repeat)
            measurements.append(
                {
                    "reader": reader_name,
                    "search": f"{search_name} ({words})",
                    "results": count,
                    "p50_ms": p50,
                    "p95_ms": p95,
                    "raw_p95_ms": raw,
                }
            )
            print(f"{reader_name}, {search_name}: p95 {p95:.1f} ms", file=sys.stderr)
    index_file = ROOT / "var" / "bench" / f"search-index-{connection.vendor}.txt"
    index_seconds = index_file.read_text() if index_file.exists() else "?"
    database = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    lines = [
        f"Command: `python benches/bench_search.py --tickets {args.tickets} --partners "
        f"{args.partners} --repeat {args.repeat}` on {database}. Run on "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; the index of {args.tickets} tickets was built "
        f"by `search_reindex` in {index_seconds} s.",
        "",
        "| reader | search | results on page | API p50 ms | API p95 ms | raw SQL p95 ms |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for m in measurements:
        lines.append(
            f"| {m['reader']} | {m['search']} | {m['results']} | {m['p50_ms']:.1f} | "
            f"{m['p95_ms']:.1f} | {m['raw_p95_ms']:.1f} |"
        )
    print("\n".join(lines))
    print(json.dumps({"database": database, "tickets": args.tickets, "searches": measurements}))


if __name__ == "__main__":
    main()
