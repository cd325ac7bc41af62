"""Benchmark: the nightly KPI roll-up of a day's changes at a million tickets and thirty
councils, beside raw SQL.

    python benches/bench_reporting_rollup.py [--tickets 1000000] [--partners 30] [--changes 1000]
    DATABASE_URL=postgres://.../concord_bench python benches/bench_reporting_rollup.py

The tickets are benches/desk_data.py's (filled once with raw SQL, shared with the desk's and
search's benchmarks). The figures of the last 30 days before yesterday are rolled up first
(timed: "rebuild, 30 days"); then a day's changes are made through the desk's services, dated
yesterday (`--changes` tickets raised and as many open tickets resolved, each change-logged);
then the nightly roll-up runs (reporting.rollups.nightly: yesterday, and the days the change
log says changed), timed with its peak memory. Beside it, the floor: the same day's counts per
council (opened, resolved, backlog at the end of the day) in three raw SQL queries.

Target: the nightly roll-up under 60 s on both databases. Prints a Markdown table for
docs/performance.md and one line of JSON.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "concord.settings")
os.environ.setdefault("CONCORD_ENV", "development")
os.environ.setdefault("CONCORD_DEBUG", "0")  # measured as production runs

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

import concord.wsgi  # noqa: E402, F401
from core.heap import freeze_what_is_loaded  # noqa: E402

# isort: split
import desk_data  # noqa: E402

from core.context import acting_as, dated  # noqa: E402
from core.models import Counter  # noqa: E402
from core.tenancy.scoping import system_scope  # noqa: E402
from reporting import rollups  # noqa: E402
from reporting.models import KpiFigure, RollupMark  # noqa: E402
from servicedesk import services  # noqa: E402
from servicedesk.choices import OPEN_STATUS_LIST  # noqa: E402
from servicedesk.models import Ticket  # noqa: E402

WHY = "benchmark of the KPI roll-ups"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_changes(desk: desk_data.Desk, count: int, yesterday: datetime.date) -> float:
    """`count` tickets raised and `count` open tickets resolved, yesterday afternoon."""
    moment = rollups.day_start(yesterday) + datetime.timedelta(hours=15)
    with system_scope(WHY):
        # The fill numbers tickets with raw SQL: the councils' counters start past them.
        for partner in desk.partners:
            top = Ticket.objects.filter(partner=partner).order_by("-number").first()
            Counter.objects.update_or_create(
                key=f"servicedesk.ticket:{partner.pk}:INC",
                defaults={"value": 10_000_000 + (top.number if top else 0)},
            )
    start = time.perf_counter()
    with system_scope(WHY), acting_as(label="benchmark"), dated(moment):
        for n in range(count):
            partner = desk.partners[n % len(desk.partners)]
            services.raise_ticket(
                partner=partner,
                requester=desk.requesters[partner.pk][n % 7],
                subject=f"Benchmark change {n}",
                opened_at=moment,
            )
        open_ids = list(
            Ticket.objects.filter(status__in=OPEN_STATUS_LIST, opened_at__lt=moment)
            .order_by("id")
            .values_list("id", flat=True)[:count]
        )
        for pk in open_ids:
            services.resolve(Ticket.objects.get(pk=pk), "Benchmark fix", now=moment)
    return time.perf_counter() - start


def floor(day: datetime.date) -> float:
    """The day's counts per council in raw SQL: opened, resolved, backlog at its end."""
    start, end = rollups.day_start(day), rollups.day_start(day + datetime.timedelta(days=1))
    queries = [
        (
            "SELECT partner_id, COUNT(*) FROM servicedesk_ticket "
            "WHERE opened_at >= %s AND opened_at < %s GROUP BY partner_id",
            [start, end],
        ),
        (
            "SELECT partner_id, COUNT(*) FROM servicedesk_ticket "
            "WHERE resolved_at >= %s AND resolved_at < %s GROUP BY partner_id",
            [start, end],
        ),
        (
            "SELECT partner_id, COUNT(*) FROM servicedesk_ticket WHERE opened_at < %s "
            "AND (resolved_at IS NULL OR resolved_at >= %s) "
            "AND (closed_at IS NULL OR closed_at >= %s) GROUP BY partner_id",
            [end, end, end],
        ),
    ]
    began = time.perf_counter()
    with connection.cursor() as cur:
        for sql, params in queries:
            cur.execute(sql, params)
            cur.fetchall()
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--partners", type=int, default=30)
    parser.add_argument("--changes", type=int, default=1000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    desk = desk_data.fill(args.tickets, args.partners)
    # As the server's process freezes what it loaded at start (core.heap), this one freezes
    # its set-up: the collector's full passes would otherwise walk it inside timed requests.
    freeze_what_is_loaded()
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    with system_scope(WHY):
        KpiFigure.objects.unscoped(WHY).filter(
            day__gte=today - datetime.timedelta(days=40)
        ).unlogged(WHY).delete()
        began = time.perf_counter()
        rollups.rebuild(
            yesterday - datetime.timedelta(days=30), yesterday - datetime.timedelta(days=1)
        )
        rebuild_s = time.perf_counter() - began
        # The change log read up to before the day's changes (dated yesterday afternoon).
        read_until = rollups.day_start(yesterday) + datetime.timedelta(hours=14)
        RollupMark.objects.update_or_create(
            name=rollups.NIGHTLY, defaults={"changes_read_until": read_until}
        )
    changes_s = make_changes(desk, args.changes, yesterday)
    before_mb = peak_mb()
    with system_scope(WHY), acting_as(label="benchmark"):
        began = time.perf_counter()
        done = rollups.nightly(today)
        nightly_s = time.perf_counter() - began
    floor_s = floor(yesterday)
    database = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    out: dict[str, Any] = {
        "database": database,
        "tickets": args.tickets,
        "partners": args.partners,
        "changes": args.changes,
        "rebuild_30_days_s": round(rebuild_s, 2),
        "changes_s": round(changes_s, 2),
        "nightly_s": round(nightly_s, 2),
        "nightly": done,
        "floor_s": round(floor_s, 3),
        "peak_mb_before": round(before_mb),
        "peak_mb_after": round(peak_mb()),
    }
    print(
        f"| {database} | {args.tickets:,} tickets, {args.partners} councils | nightly roll-up "
        f"after {2 * args.changes:,} changes (yesterday, and {sum(done['changed_days'].values())} "
        f"changed days) | {nightly_s:.1f} s | {floor_s * 1000:.0f} ms (3 raw SQL counts of the "
        f"day) | under 60 s |\n"
        f"| {database} | same | rebuild of 30 days | {rebuild_s:.1f} s | | |"
    )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
