"""Benchmark: a quarterly recharge run over 30 councils and 1,000,000 cost lines, drivers from
1,000,000 tickets.

    python benches/bench_finance.py [--costs 1000000] [--tickets 1000000] [--councils 30]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/concord_bench_finance \
        python benches/bench_finance.py

With no DATABASE_URL it runs on a SQLite database of its own (var/bench-finance.sqlite3). Fills,
once (the tickets through benches/desk_data.py, the finance rows with raw SQL: the benchmark
measures the run, not loading), `--councils` councils, `--tickets` tickets among them over
about three years, and for the last whole quarter `--costs` cost lines: nine in ten shared by
every council (staff under fixed percentages, contracts by tickets logged, licences by a
50/50 mix of tickets and headcount, hardware by devices managed), one in ten borne by one
council; one in five of them for a period (a month or a year, so part of it falls outside the
quarter and is spread by days). Then, in a process of its own whose resident memory is sampled
every 50 ms:

1. the ticket driver measured for the quarter (`finance.drivers.tickets_logged`: one GROUP BY
   over the tickets), written as measured driver figures;
2. `finance.recharging.run_for` for the quarter: read every cost (streamed), split each to the
   penny, write the statements and their grouped lines;
3. the check that the statements add up to the total.

Prints a Markdown table for docs/performance.md and one line of JSON. No test asserts a time.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import subprocess
import sys
import threading
import time
from datetime import UTC
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benches"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "concord.settings")
os.environ.setdefault("CONCORD_ENV", "development")
os.environ.setdefault("CONCORD_DEBUG", "0")  # measured as production runs
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-finance.sqlite3'}")

from django.db import connection, transaction  # noqa: E402

import concord.wsgi  # noqa: E402, F401
from core.tenancy.scoping import system_scope  # noqa: E402

WHY = "benchmark fill: generated data, not a change anyone made"
CATEGORIES = ["staff", "contract", "licence", "hardware", "other"]


def rss_mb() -> float:
    """This process's resident memory now, in MB (Linux)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def last_quarter(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The last whole calendar quarter before `today`."""
    first_month = ((today.month - 1) // 3) * 3 + 1
    this_quarter = datetime.date(today.year, first_month, 1)
    end = this_quarter - datetime.timedelta(days=1)
    start_month = ((end.month - 1) // 3) * 3 + 1
    return datetime.date(end.year, start_month, 1), end


def rules(partners: list[Any], start: datetime.date) -> None:
    from finance.models import ApportionmentRule, RuleComponent, RuleShare

    if ApportionmentRule.objects.unscoped(WHY).filter(name__startswith="Bench ").exists():
        return
    valid = datetime.date(start.year - 5, 4, 1)
    staff = ApportionmentRule.objects.create(
        name="Bench staff", method="fixed", category="staff", valid_from=valid
    )
    # Shares of 100 among the councils: 3.33 each and the rest to the first.
    each = (Decimal(100) / len(partners)).quantize(Decimal("0.01"), rounding="ROUND_DOWN")
    for n, partner in enumerate(partners):
        share = each if n else Decimal(100) - each * (len(partners) - 1)
        RuleShare.objects.create(rule=staff, partner=partner, percent=share)
    for name, category, components in (
        ("Bench contracts", "contract", {"tickets": 100}),
        ("Bench licences", "licence", {"tickets": 50, "headcount": 50}),
        ("Bench hardware", "hardware", {"devices": 100}),
        ("Bench other", "other", {"headcount": 100}),
    ):
        rule = ApportionmentRule.objects.create(
            name=name,
            method="driver" if len(components) == 1 else "mix",
            category=category,
            valid_from=valid,
        )
        for driver, weight in components.items():
            RuleComponent.objects.create(rule=rule, driver=driver, weight=Decimal(weight))


def entered_figures(partners: list[Any], start: datetime.date, end: datetime.date) -> None:
    from finance.models import DriverFigure

    rng = random.Random(5)
    for partner in partners:
        for driver, low, high in (("headcount", 800, 9000), ("devices", 500, 12000)):
            DriverFigure.objects.update_or_create(
                partner=partner,
                driver=driver,
                period_start=start,
                period_end=end,
                defaults={"value": Decimal(rng.randint(low, high)), "source": "entered"},
            )


def fill_costs(costs: int, partners: list[Any], start: datetime.date, end: datetime.date) -> float:
    """`costs` cost lines in the quarter, unless already there; seconds taken (0: there)."""
    from desk_data import _insert
    from django.contrib.contenttypes.models import ContentType

    from core.tenancy.records import AudienceCouncil
    from finance.models import CostLine

    have = CostLine.objects.unscoped(WHY).filter(incurred_on__range=(start, end)).count()
    if have == costs:
        return 0.0
    print(f"filling {costs:,} cost lines...", file=sys.stderr)
    began = time.perf_counter()
    rng = random.Random(20261205)
    now = datetime.datetime.now(UTC)
    days = (end - start).days + 1
    own: list[tuple[int, int]] = []
    with transaction.atomic():
        CostLine.objects.unscoped(WHY).filter(description__startswith="Bench ")._raw_delete(
            connection.alias
        )

        def rows() -> Any:
            for n in range(costs):
                on = start + datetime.timedelta(days=rng.randrange(days))
                shared = rng.random() < 0.9
                category = rng.choice(CATEGORIES)
                amount = Decimal(rng.randint(-2000, 2_500_000)) / 100
                first = last = None
                draw = rng.random()
                if draw < 0.1:
                    first = on.replace(day=1)
                    last = (first + datetime.timedelta(days=32)).replace(
                        day=1
                    ) - datetime.timedelta(days=1)
                elif draw < 0.2:
                    first = on - datetime.timedelta(days=rng.randrange(365))
                    last = first + datetime.timedelta(days=364)
                if not shared:
                    own.append((n, partners[n % len(partners)].pk))
                yield (
                    now, now, 1, shared, shared, f"BENCH-{n}",
                    f"Bench {category} {n}", str(amount), on, first, last, category, "revenue",
                )  # fmt: skip

        _insert(
            "finance_costline",
            (
                "created_at", "updated_at", "version", "for_all_councils", "is_shared",
                "reference", "description", "amount", "incurred_on", "period_start",
                "period_end", "category", "spend_type",
            ),
            rows(),
        )  # fmt: skip
        ids = dict(
            CostLine.objects.unscoped(WHY)
            .filter(description__startswith="Bench ")
            .values_list("reference", "pk")
        )
        kind = ContentType.objects.get_for_model(CostLine).pk
        _insert(
            AudienceCouncil._meta.db_table,
            ("content_type_id", "object_id", "partner_id"),
            ((kind, ids[f"BENCH-{n}"], pk) for n, pk in own),
        )
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return time.perf_counter() - began


def measure_tickets(partners: list[Any], start: datetime.date, end: datetime.date) -> int:
    """The tickets driver for the quarter, measured as the ledger's monthly job does
    (`finance.drivers.tickets_logged`: tickets opened in it, per council), stored as measured
    figures."""
    from finance.drivers import tickets_logged
    from finance.models import DriverFigure

    counts = tickets_logged(start, end)
    for partner in partners:
        DriverFigure.objects.update_or_create(
            partner=partner,
            driver="tickets",
            period_start=start,
            period_end=end,
            defaults={"value": Decimal(counts.get(partner.pk, 0)), "source": "measured"},
        )
    return int(sum(counts.values()))


def child(start: datetime.date, end: datetime.date) -> None:
    """Measure the tickets, run the quarter, check it; print JSON (time, memory)."""
    from core.tenancy.models import Partner
    from finance import recharging
    from finance.models import RechargeStatement

    peak = [rss_mb()]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            peak[0] = max(peak[0], rss_mb())

    threading.Thread(target=sample, daemon=True).start()
    before = rss_mb()
    with system_scope("benchmark run"):
        partners = list(Partner.objects.filter(code__startswith="bench").order_by("code"))
        began = time.perf_counter()
        tickets = measure_tickets(partners, start, end)
        measured = time.perf_counter()
        run = recharging.run_for(start, end)
        ran = time.perf_counter()
        totals = list(RechargeStatement.objects.filter(run=run).values_list("total", flat=True))
    done.set()
    assert sum(totals) == run.total, "the statements do not add up to the run's total"
    print(
        json.dumps(
            {
                "tickets_in_quarter": tickets,
                "measure_seconds": measured - began,
                "run_seconds": ran - measured,
                "total_seconds": ran - began,
                "costs": run.cost_count,
                "statements": len(totals),
                "total": str(run.total),
                "problems": run.problems,
                "rss_before_mb": before,
                "rss_peak_mb": peak[0],
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--costs", type=int, default=1_000_000)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--councils", type=int, default=30)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*(datetime.date.fromisoformat(day) for day in args.child))
        return

    from desk_data import fill as fill_desk
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    start, end = last_quarter(datetime.date.today())
    began = time.perf_counter()
    desk = fill_desk(args.tickets, args.councils)
    desk_seconds = time.perf_counter() - began
    with system_scope("benchmark fill"):
        from core.tenancy.models import Partner
        from finance.models import RechargeRun

        # The councils are in the partnership for the whole quarter.
        Partner.objects.filter(pk__in=[p.pk for p in desk.partners]).unlogged(WHY).update(
            joined_on=datetime.date(2011, 4, 1)
        )
        rules(desk.partners, start)
        entered_figures(desk.partners, start, end)
        cost_seconds = fill_costs(args.costs, desk.partners, start, end)
        # A run left by an earlier benchmark is made again: unlock it first.
        RechargeRun.objects.unscoped(WHY).filter(period_start=start, period_end=end).unlogged(
            WHY
        ).update(status="draft")
    result = subprocess.run(
        [sys.executable, __file__, "--child", start.isoformat(), end.isoformat()],
        capture_output=True,
        text=True,
        check=True,
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    database = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    filled = f"filled in {cost_seconds:.0f} s" if cost_seconds else "filled by an earlier run"
    lines = [
        f"Command: `python benches/bench_finance.py --costs {args.costs} --tickets "
        f"{args.tickets} --councils {args.councils}` on {database}, quarter {start} to {end}. "
        f"Run on {datetime.datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; load average "
        f"{os.getloadavg()[0]:.1f}; tickets filled (or found) in {desk_seconds:.0f} s, costs "
        f"{filled}.",
        "",
        "| measurement | rows | time | RSS before / peak (MB) | target |",
        "|---|---:|---:|---|---|",
        f"| tickets driver measured for the quarter | {figures['tickets_in_quarter']:,} tickets "
        f"| {figures['measure_seconds']:.1f} s | | |",
        f"| quarterly run: {figures['costs']:,} costs split, {figures['statements']} statements "
        f"written | {args.costs:,} | {figures['run_seconds']:.1f} s | | |",
        f"| both, in one process | | {figures['total_seconds']:.1f} s | "
        f"{figures['rss_before_mb']:.0f} / {figures['rss_peak_mb']:.0f} | under 30 s, flat "
        "memory |",
    ]
    print("\n".join(lines))
    print(json.dumps({"database": database, **figures}))


if __name__ == "__main__":
    main()
