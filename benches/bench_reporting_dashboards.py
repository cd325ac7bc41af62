"""Benchmark: the reporting dashboards at 30 councils' year of roll-ups, and a monthly pack's
PDF, beside raw SQL.

    python benches/bench_reporting_dashboards.py [--councils 30] [--days 365] [--repeat 20]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/concord_bench \
        python benches/bench_reporting_dashboards.py

The dashboards read the roll-ups only (reporting.figures), never the records: their cost is
the KpiFigure rows, not the tickets. A million tickets over a year at 30 councils is what
these rows summarise; the tickets themselves are not made (nothing here reads them). Fills, in
bulk (``unlogged`` bulk_create: a benchmark's data, not a change anyone made), `--councils`
councils and, for each day of `--days` ending today, each council's row of every KPI in the
catalogue (``dimension`` ""), and for the desk's KPIs kept per queue and category, a row per
queue and per category (`--queues`, `--categories`), as the roll-ups keep them. Then, through
the whole stack (Django's test client, signed in), p50 and p95 of `--repeat` runs:

- a council's dashboard as its lead (``/reports/dashboards/<code>/``);
- the partnership's dashboard as the shared service's manager (every council's rows summed);
- beside each, the raw SQL that reads and sums the same rows per KPI and day;
- a council's monthly pack and the joint board's: the figures, the charts (SVG) and the PDF
  (WeasyPrint), `--pack-repeat` times each, not stored.

Prints a Markdown table for docs/performance.md, and one line of JSON. No test asserts a time.
"""

from __future__ import annotations

import argparse
import datetime
import json
import logging
import os
import platform
import statistics
import sys
import time
from datetime import UTC
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "concord.settings")
os.environ.setdefault("CONCORD_ENV", "development")
os.environ.setdefault("CONCORD_DEBUG", "0")  # measured as production runs

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

import concord.wsgi  # noqa: E402, F401
from core.heap import freeze_what_is_loaded  # noqa: E402
from core.tenancy.choices import CouncilRole, ServiceRole  # noqa: E402
from core.tenancy.models import Membership, Partner, User  # noqa: E402
from core.tenancy.scoping import system_scope  # noqa: E402
from reporting import dashboards, packs  # noqa: E402
from reporting.kpis import KPIS  # noqa: E402
from reporting.models import KpiFigure  # noqa: E402

BATCH = 5000
WHY = "benchmark fill: generated data, not a change anyone made"
PREFIX = "rbench"


def ms(seconds: float) -> float:
    return seconds * 1000


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return statistics.median(ordered), p95


def person(username: str, service_role: str = "", partner: Any = None, role: str = "") -> User:
    with system_scope("benchmark people"):
        user, _ = User.objects.get_or_create(
            username=username, defaults={"service_role": service_role}
        )
        if partner is not None:
            Membership.objects.get_or_create(user=user, partner=partner, role=role)
    return user


def councils(count: int) -> list[Partner]:
    with system_scope("benchmark fill"):
        return [
            Partner.objects.get_or_create(
                code=f"{PREFIX}{n:02d}",
                defaults={
                    "name": f"Reporting Benchmark Council {n}",
                    "joined_on": datetime.date(2011, 4, 1),
                },
            )[0]
            for n in range(1, count + 1)
        ]


def fill(made: list[Partner], days: int, queues: int, categories: int) -> tuple[int, float]:
    """Each council's rows of every KPI for `days` days ending today; (rows, seconds), 0
    seconds when an earlier run filled them."""
    table = KpiFigure.objects.unscoped(WHY)
    today = timezone.localdate()
    first = today - datetime.timedelta(days=days - 1)
    if table.filter(partner=made[-1], day=first).exists():
        return table.filter(partner__in=made).count(), 0.0
    started = time.perf_counter()
    dimensions = [
        *(f"queue:q{n:02d}" for n in range(queues)),
        *(f"category:c{n:02d}" for n in range(categories)),
    ]
    batch: list[KpiFigure] = []
    written = 0
    for index, partner in enumerate(made):
        for offset in range(days):
            day = first + datetime.timedelta(days=offset)
            seed = index * 7 + offset
            for kpi in KPIS.values():
                numerator = Decimal(90 + seed % 40)
                denominator = Decimal(100) if kpi.unit in ("percent", "days") else None
                rows = [""]
                if kpi.by_queue_and_category:
                    rows += dimensions
                for dimension in rows:
                    batch.append(
                        KpiFigure(
                            partner=partner,
                            day=day,
                            kpi=kpi.key,
                            dimension=dimension,
                            numerator=numerator if not dimension else numerator / 10,
                            denominator=denominator,
                        )
                    )
                if len(batch) >= BATCH:
                    KpiFigure.objects.unlogged(WHY).bulk_create(batch)
                    written += len(batch)
                    batch = []
    if batch:
        KpiFigure.objects.unlogged(WHY).bulk_create(batch)
        written += len(batch)
    return written, time.perf_counter() - started


def time_page(user: User, path: str, repeat: int) -> tuple[float, float, int]:
    client = Client()
    client.force_login(user, backend="core.tenancy.auth.ConcordBackend")
    samples = []
    size = 0
    for i in range(repeat + 1):
        start = time.perf_counter()
        response = client.get(path)
        elapsed = ms(time.perf_counter() - start)
        assert response.status_code == 200, response.content[:300]
        size = len(response.content)
        if i:
            samples.append(elapsed)
    p50, p95 = percentiles(samples)
    return p50, p95, size


RAW = """
SELECT kpi, day, SUM(numerator), SUM(denominator)
FROM reporting_kpifigure
WHERE kpi IN ({kpis}) AND dimension = '' AND day >= %s AND day < %s {partner}
GROUP BY kpi, day
"""


def time_raw(partner: Partner | None, repeat: int) -> tuple[float, float, int]:
    """The same rows, read and summed per KPI and day, in raw SQL."""
    months = dashboards.last_months(timezone.localdate())
    since, until = months[0], dashboards.add_months(months[-1], 1)
    keys = list(KPIS)
    sql = RAW.format(
        kpis=", ".join(["%s"] * len(keys)),
        partner="AND partner_id = %s" if partner is not None else "",
    )
    params: list[Any] = [*keys, since, until] + ([partner.pk] if partner is not None else [])
    samples = []
    rows = 0
    with connection.cursor() as cur:
        for i in range(repeat + 1):
            start = time.perf_counter()
            cur.execute(sql, params)
            rows = len(cur.fetchall())
            if i:
                samples.append(ms(time.perf_counter() - start))
    p50, p95 = percentiles(samples)
    return p50, p95, rows


def time_pack(scope: Partner | None, repeat: int) -> tuple[float, float, int]:
    """A pack's figures, charts and PDF (not stored), `repeat` times."""
    period = dashboards.add_months(dashboards.first_of_month(timezone.localdate()), -1)
    samples = []
    size = 0
    with system_scope("benchmark pack"):
        for _ in range(repeat):
            start = time.perf_counter()
            content = packs.pack_content(scope, period, timezone.localdate())
            pdf = packs.render_pdf(content)
            samples.append(time.perf_counter() - start)
            size = len(pdf)
    p50, p95 = percentiles(samples)
    return p50, p95, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--councils", type=int, default=30)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--queues", type=int, default=10)
    parser.add_argument("--categories", type=int, default=15)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--pack-repeat", type=int, default=3)
    args = parser.parse_args()
    # WeasyPrint and fontTools say every step of every PDF at INFO.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)

    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    made = councils(args.councils)
    rows, fill_seconds = fill(made, args.days, args.queues, args.categories)
    # As the server's process freezes what it loaded at start (core.heap), this one freezes
    # its set-up: the collector's full passes would otherwise walk it inside timed requests.
    freeze_what_is_loaded()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    lead = person(f"{made[0].code}.lead", partner=made[0], role=CouncilRole.LEAD)
    manager = person("bench.reporting", ServiceRole.MANAGER)
    council = time_page(lead, f"/reports/dashboards/{made[0].code}/", args.repeat)
    partnership = time_page(manager, "/reports/dashboards/partnership/", args.repeat)
    council_raw = time_raw(made[0], args.repeat)
    partnership_raw = time_raw(None, args.repeat)
    print(f"council dashboard p95 {council[1]:.0f} ms", file=sys.stderr)
    print(f"partnership dashboard p95 {partnership[1]:.0f} ms", file=sys.stderr)
    council_pack = time_pack(made[0], args.pack_repeat)
    board_pack = time_pack(None, args.pack_repeat)
    database = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    filled = f"filled in bulk in {fill_seconds:.0f} s" if fill_seconds else "filled earlier"
    lines = [
        f"Command: `python benches/bench_reporting_dashboards.py --councils {args.councils} "
        f"--days {args.days} --queues {args.queues} --categories {args.categories} --repeat "
        f"{args.repeat} --pack-repeat {args.pack_repeat}` on {database}. Run on "
        f"{datetime.datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; {rows:,} roll-up rows "
        f"({len(KPIS)} KPIs), {filled}, load average {os.getloadavg()[0]:.1f}.",
        "",
        "| measurement | rows summed | Concord | raw SQL | target |",
        "|---|---:|---:|---:|---|",
        f"| a council's dashboard, its lead (12 months, every KPI) | "
        f"{council_raw[2]:,} | p50 {council[0]:.0f} ms, p95 {council[1]:.0f} ms | p50 "
        f"{council_raw[0]:.0f} ms, p95 {council_raw[1]:.0f} ms | p95 under 300 ms |",
        f"| the partnership's dashboard, the manager ({args.councils} councils summed) | "
        f"{partnership_raw[2]:,} | p50 {partnership[0]:.0f} ms, p95 {partnership[1]:.0f} ms | "
        f"p50 {partnership_raw[0]:.0f} ms, p95 {partnership_raw[1]:.0f} ms | "
        f"p95 under 300 ms |",
        f"| a council's monthly pack: figures, SVG charts, PDF ({council_pack[2] / 1024:.0f} "
        f"KB) | | p50 {council_pack[0]:.1f} s, slowest {council_pack[1]:.1f} s | | under 10 s |",
        f"| the joint board's pack ({board_pack[2] / 1024:.0f} KB) | | p50 "
        f"{board_pack[0]:.1f} s, slowest {board_pack[1]:.1f} s | | under 10 s |",
    ]
    print("\n".join(lines))
    print(
        json.dumps(
            {
                "database": database,
                "rows": rows,
                "council": council,
                "partnership": partnership,
                "council_raw": council_raw,
                "partnership_raw": partnership_raw,
                "council_pack": council_pack,
                "board_pack": board_pack,
            }
        )
    )


if __name__ == "__main__":
    main()
