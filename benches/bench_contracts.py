"""Benchmark: the contracts register at 50,000 contracts, beside raw SQL.

    python benches/bench_contracts.py --contracts 50000 [--repeat 20]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/concord_bench python benches/bench_contracts.py

Fills, in bulk (``unlogged`` bulk_create: a benchmark's data, not a change anyone made), two
councils, `--suppliers` suppliers and `--contracts` contracts, every one held by the first
council (one in ten jointly with the second, 60/40), one in five with a +12 months extension
option (half of them exercised), one in four renewing tacitly, each with two CPV codes and its
stored dates worked out as a save does (contracts.services.set_stored_dates). Then:

- the decisions-due list as the first council's lead, p50 and p95 of `--repeat` runs, through
  the whole stack: its page (``/contracts/decisions-due/?within=180``, 50 rows a page) and
  ``GET /api/v1/contracts/decisions-due/?within=180`` (a page of the API's default size),
  the first page and one deep in the list (keyset: the same cost), beside the raw SQL that
  reads the same rows (as many);
- the first council's OCDS release package (``GET /api/v1/partners/<code>/ocds/``) and its
  Transparency Code CSV, streamed through the whole stack and read to the end, each in a
  process of its own, whose resident memory is sampled as the file streams (at the first
  chunk and at its peak: flat memory is a peak close to the first chunk's), beside the raw SQL
  that reads the same rows in chunks.

Prints a Markdown table for docs/performance.md, and one line of JSON. No test asserts a time.
"""

from __future__ import annotations

import argparse
import datetime
import html
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import time
from datetime import UTC
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "concord.settings")
os.environ.setdefault("CONCORD_ENV", "development")

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402

import concord.wsgi  # noqa: E402, F401
from contracts import services  # noqa: E402
from contracts.models import (  # noqa: E402
    Contract,
    ContractExtension,
    ContractSettings,
    Supplier,
    cpv_titles,
)
from core.heap import freeze_what_is_loaded  # noqa: E402
from core.tenancy.choices import CouncilRole, ServiceRole  # noqa: E402
from core.tenancy.models import Membership, Partner, User  # noqa: E402
from core.tenancy.records import OwnerShare  # noqa: E402
from core.tenancy.scoping import system_scope  # noqa: E402

BATCH = 5000
#: The deep page timed: the list's page after this many.
DEEP = 40
WHY = "benchmark fill: generated data, not a change anyone made"
PREFIX = "BENCHC-"


def content_type(model: Any) -> Any:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(model)


def ms(seconds: float) -> float:
    return seconds * 1000


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return statistics.median(ordered), p95


def rss_mb() -> float:
    """This process's resident memory now, in MB (Linux)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def person(username: str, service_role: str = "", partner: Any = None, role: str = "") -> User:
    with system_scope("benchmark people"):
        user, _ = User.objects.get_or_create(
            username=username, defaults={"service_role": service_role}
        )
        if partner is not None:
            Membership.objects.get_or_create(user=user, partner=partner, role=role)
    return user


def councils() -> list[Partner]:
    with system_scope("benchmark fill"):
        return [
            Partner.objects.get_or_create(
                code=code, defaults={"name": f"Contracts Benchmark Council {n}"}
            )[0]
            for n, code in enumerate(("cbench1", "cbench2"), start=1)
        ]


def _bulk(manager: Any, rows: list[Any]) -> None:
    for start in range(0, len(rows), BATCH):
        manager.unlogged(WHY).bulk_create(rows[start : start + BATCH])


def fill(contracts: int, suppliers: int) -> tuple[list[Partner], float]:
    """The councils, and how long the bulk fill took (0 when the data was there already)."""
    made = councils()
    with system_scope("benchmark fill"):
        for partner in made:
            ContractSettings.objects.get_or_create(
                partner=partner, defaults={"ocid_prefix": f"ocds-b5fd17-{partner.code}"}
            )
        have = Contract.objects.filter(reference__startswith=PREFIX).count()
        if have == contracts:
            return made, 0.0
        print(f"filling {contracts} contracts...", file=sys.stderr)
        old = Contract.objects.filter(reference__startswith=PREFIX)
        ContractExtension.objects.filter(contract__in=old)._raw_delete(connection.alias)
        OwnerShare.objects.filter(
            content_type=content_type(Contract), object_id__in=old.values("pk")
        ).delete()
        old._raw_delete(connection.alias)
        Supplier.objects.filter(name__startswith="Bench supplier ")._raw_delete(connection.alias)
    rng = random.Random(20261204)
    codes = sorted(cpv_titles())
    start = time.perf_counter()
    with transaction.atomic(), system_scope("benchmark fill"):
        _bulk(
            Supplier.objects,
            [
                Supplier(
                    name=f"Bench supplier {n:05d}",
                    companies_house_number=f"{n:08d}" if n % 3 else "",
                    charity_number=str(1100000 + n) if n % 7 == 0 else "",
                    is_sme=n % 2 == 0,
                    address=f"{n} High Street\nLondon",
                    postcode="SW1A 1AA",
                )
                for n in range(suppliers)
            ],
        )
        supplier_ids = list(
            Supplier.objects.filter(name__startswith="Bench supplier ").values_list("pk", flat=True)
        )
        today = datetime.date.today()
        rows = []
        options: dict[int, ContractExtension] = {}
        for n in range(contracts):
            start_date = today - datetime.timedelta(days=rng.randrange(0, 5 * 365))
            tacit = n % 4 == 0
            row = Contract(
                reference=f"{PREFIX}{n:06d}",
                title=f"Benchmark contract {n}",
                description="Managed service for the councils' offices.",
                supplier_id=supplier_ids[n % len(supplier_ids)],
                department="Digital and ICT",
                total_value=Decimal(rng.randrange(100_000, 500_000_000)) / 100,
                annual_value=Decimal(rng.randrange(100_000, 100_000_000)) / 100,
                irrecoverable_vat=Decimal("0.00"),
                start_date=start_date,
                initial_term_months=rng.choice((12, 24, 36, 60)),
                notice_months=rng.choice((0, 1, 3, 6)),
                renewal="tacit" if tacit else "none",
                renewal_period_months=12 if tacit else None,
                procurement_route=rng.choice(
                    ("quotation", "tender", "framework_call_off", "direct_award")
                ),
                cpv_codes=[codes[rng.randrange(len(codes))] for _ in range(2)],
                status="active",
            )
            parts = []
            if n % 5 == 0:
                options[n] = ContractExtension(sequence=1, months=12, exercised=n % 10 == 0)
                parts.append(options[n])
            # The stored dates (end, notice deadline, next decision) as a save works them out,
            # from the parts it would read.
            row._prefetched_objects_cache = {"extensions": parts, "breaks": []}  # type: ignore[attr-defined]
            services.set_stored_dates(row, today)
            if row.end_date is not None and row.end_date < today:
                row.status = "expired"  # as the daily job leaves a contract that has ended
            del row._prefetched_objects_cache  # type: ignore[attr-defined]
            rows.append(row)
        for begin in range(0, len(rows), BATCH):
            # The ids come back from the insert (PostgreSQL, SQLite 3.35 and later).
            Contract.objects.unlogged(WHY).bulk_create(rows[begin : begin + BATCH])
        kind = content_type(Contract)
        shares = []
        for n, row in enumerate(rows):
            assert row.pk is not None
            if n % 10 == 0:
                shares += [
                    OwnerShare(
                        content_type=kind, object_id=row.pk, partner_id=made[0].pk, percentage=60
                    ),
                    OwnerShare(
                        content_type=kind, object_id=row.pk, partner_id=made[1].pk, percentage=40
                    ),
                ]
            else:
                shares.append(
                    OwnerShare(
                        content_type=kind, object_id=row.pk, partner_id=made[0].pk, percentage=100
                    )
                )
            if n in options:
                options[n].contract_id = row.pk
        OwnerShare.objects.bulk_create(shares, batch_size=BATCH)
        _bulk(ContractExtension.objects, list(options.values()))
    return made, time.perf_counter() - start


# The decisions-due list -------------------------------------------------------------------


RAW_DUE = """
SELECT c.*, p.name
FROM contracts_contract c
JOIN contracts_supplier p ON p.id = c.supplier_id
WHERE c.status NOT IN ('draft', 'expired', 'terminated') AND c.decision_by <= %s
  AND EXISTS (SELECT 1 FROM {shares} s WHERE s.object_id = c.id AND s.content_type_id = %s
              AND s.partner_id = %s)
ORDER BY c.decision_by, c.id
LIMIT %s
"""


def deep_cursor(client: Client, path: str, pages: int, api: bool) -> str:
    """The cursor of the list's page number `pages` + 1, found by following "next"."""
    params: dict[str, Any] = {"within": 180}
    for _ in range(pages):
        response = client.get(path, params)
        assert response.status_code == 200, response.status_code
        if api:
            link = response.json()["next"]
            assert link, "the list has fewer pages than asked for"
            params = {"within": 180, "cursor": parse_qs(urlsplit(link).query)["cursor"][0]}
        else:
            found = re.search(rb'href="([^"]*)" rel="next"', response.content)
            assert found, "the list has fewer pages than asked for"
            query = parse_qs(urlsplit(html.unescape(found.group(1).decode())).query)
            params = {"within": 180, "cursor": query["cursor"][0]}
    return str(params["cursor"])


def time_list(
    user: User, repeat: int, path: str, api: bool, deep: int = 0
) -> tuple[float, float, int]:
    """A page of the decisions-due list (`api`: of its API) through the whole stack:
    contracts.services.decisions_due, a keyset page of it, each row's stored decision. With
    `deep`, the page after `deep` others (found by following their "next" links first)."""
    client = Client()
    client.force_login(user, backend="core.tenancy.auth.ConcordBackend")
    params: dict[str, Any] = {"within": 180}
    if deep:
        params["cursor"] = deep_cursor(client, path, deep, api)
    samples = []
    rows = 0
    for i in range(repeat + 1):
        start = time.perf_counter()
        response = client.get(path, params)
        elapsed = ms(time.perf_counter() - start)
        assert response.status_code == 200, response.content[:300]
        if api:
            rows = len(response.json()["results"])
        else:
            rows = response.content.count(b'<tr class="govuk-table__row">') - 1
        if i:
            samples.append(elapsed)
    p50, p95 = percentiles(samples)
    return p50, p95, rows


PAGE = "/contracts/decisions-due/"
API = "/api/v1/contracts/decisions-due/"


def time_due_raw(partner: Partner, repeat: int, limit: int) -> tuple[float, float]:
    """The same rows in raw SQL, as many as the page (501) or the API (5,000) reads."""
    kind = content_type(Contract).pk
    samples = []
    with connection.cursor() as cur:
        for i in range(repeat + 1):
            start = time.perf_counter()
            horizon = datetime.date.today() + datetime.timedelta(days=180)
            cur.execute(
                RAW_DUE.format(shares=OwnerShare._meta.db_table),
                [horizon, kind, partner.pk, limit],
            )
            cur.fetchall()
            if i:
                samples.append(ms(time.perf_counter() - start))
    return percentiles(samples)


# The published files, each in a process of its own ------------------------------------------

RAW_EXPORT = """
SELECT c.id, c.reference, c.title, c.description, c.department, c.total_value,
       c.annual_value, c.irrecoverable_vat, c.start_date, c.initial_term_months,
       c.procurement_route, c.cpv_codes, c.status, c.ocid, c.version, c.updated_at,
       p.name, p.companies_house_number, p.charity_number, p.address, p.postcode,
       s.percentage
FROM contracts_contract c
JOIN contracts_supplier p ON p.id = c.supplier_id
JOIN {shares} s ON s.object_id = c.id AND s.content_type_id = %s AND s.partner_id = %s
WHERE c.status <> 'draft'
ORDER BY c.id
"""


def stream(path: str, user: User) -> dict[str, Any]:
    """GET `path` through the whole stack and read the streamed body to its end, sampling
    resident memory at each chunk."""
    client = Client()
    client.force_login(user, backend="core.tenancy.auth.ConcordBackend")
    before = rss_mb()
    start = time.perf_counter()
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    size = 0
    first = peak = before
    for number, chunk in enumerate(response.streaming_content, start=1):  # type: ignore[attr-defined]
        size += len(chunk)
        now = rss_mb()
        peak = max(peak, now)
        if number == 2:  # the header, then the first chunk of contracts
            first = now
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "bytes": size,
        "rss_before_mb": before,
        "rss_first_chunk_mb": first,
        "rss_peak_mb": peak,
    }


def raw_export(partner: Partner) -> dict[str, Any]:
    kind = content_type(Contract).pk
    start = time.perf_counter()
    rows = 0
    with connection.cursor() as cur:
        cur.execute(RAW_EXPORT.format(shares=OwnerShare._meta.db_table), [kind, partner.pk])
        while True:
            found = cur.fetchmany(2000)
            if not found:
                break
            rows += len(found)
    return {"seconds": time.perf_counter() - start, "rows": rows}


def child(what: str) -> None:
    """One measurement in this fresh process: prints its JSON."""
    made = councils()
    partner = made[0]
    lead = person(f"{partner.code}.lead", partner=partner, role=CouncilRole.LEAD)
    if what == "raw":
        print(json.dumps(raw_export(partner)))
        return
    path = {
        "ocds": f"/api/v1/partners/{partner.code}/ocds/",
        "csv": f"/api/v1/partners/{partner.code}/transparency-contracts/",
    }[what]
    print(json.dumps(stream(path, lead)))


def in_child(what: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", what],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={**os.environ, "CONCORD_DEBUG": "0"},
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=int, default=50_000)
    parser.add_argument("--suppliers", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--child", choices=("ocds", "csv", "raw"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return

    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    made, fill_seconds = fill(args.contracts, args.suppliers)
    # As the server's process freezes what it loaded at start (core.heap), this one freezes
    # its set-up: the collector's full passes would otherwise walk it inside timed requests.
    freeze_what_is_loaded()
    # The planner's statistics, as autovacuum leaves them on a live PostgreSQL (and as the
    # other benchmarks do): without them PostgreSQL took the 50,000 owner shares for one row
    # and read every one of them for a page of 50 (300 ms instead of 28 ms).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    lead = person(f"{made[0].code}.lead", partner=made[0], role=CouncilRole.LEAD)
    person("bench.contracts", ServiceRole.MANAGER)
    due = time_list(lead, args.repeat, PAGE, api=False)
    due_deep = time_list(lead, args.repeat, PAGE, api=False, deep=DEEP)
    due_api = time_list(lead, args.repeat, API, api=True)
    due_api_deep = time_list(lead, args.repeat, API, api=True, deep=DEEP)
    due_raw = time_due_raw(made[0], args.repeat, due[2] + 1)
    due_api_raw = time_due_raw(made[0], args.repeat, due_api[2] + 1)
    print(f"decisions due: p95 {due[1]:.0f} ms ({due[2]} rows)", file=sys.stderr)
    print(f"decisions due API: p95 {due_api[1]:.0f} ms ({due_api[2]} rows)", file=sys.stderr)
    ocds = in_child("ocds")
    print(f"OCDS: {ocds['seconds']:.1f} s, peak {ocds['rss_peak_mb']:.0f} MB", file=sys.stderr)
    transparency = in_child("csv")
    raw = in_child("raw")
    database = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    filled = (
        f"filled in bulk in {fill_seconds:.1f} s" if fill_seconds else "filled by an earlier run"
    )
    lines = [
        f"Command: `python benches/bench_contracts.py --contracts {args.contracts} "
        f"--suppliers {args.suppliers} --repeat {args.repeat}` on {database}. Run on "
        f"{datetime.datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; data {filled}, load "
        f"average {os.getloadavg()[0]:.1f}.",
        "",
        "| measurement | rows | Concord | raw SQL | target | RSS before / first chunk / "
        "peak (MB) |",
        "|---|---:|---:|---:|---|---|",
        f"| decisions-due page (`?within=180`), council lead, first page | {due[2]} | p50 "
        f"{due[0]:.0f} ms, p95 {due[1]:.0f} ms | p50 {due_raw[0]:.0f} ms, p95 "
        f"{due_raw[1]:.0f} ms | p95 under 100 ms | |",
        f"| the same, page {DEEP + 1} | {due_deep[2]} | p50 {due_deep[0]:.0f} ms, p95 "
        f"{due_deep[1]:.0f} ms | | p95 under 100 ms | |",
        f"| `GET /api/v1/contracts/decisions-due/?within=180`, council lead, first page | "
        f"{due_api[2]} | p50 {due_api[0]:.0f} ms, p95 {due_api[1]:.0f} ms | p50 "
        f"{due_api_raw[0]:.0f} ms, p95 {due_api_raw[1]:.0f} ms | p95 under 100 ms | |",
        f"| the same, page {DEEP + 1} | {due_api_deep[2]} | p50 {due_api_deep[0]:.0f} ms, p95 "
        f"{due_api_deep[1]:.0f} ms | | p95 under 100 ms | |",
    ]
    for label, m in (("OCDS release package", ocds), ("Transparency Code CSV", transparency)):
        lines.append(
            f"| {label}, streamed ({m['bytes'] / 1e6:.1f} MB) | {raw['rows']} | "
            f"{m['seconds']:.1f} s | {raw['seconds']:.1f} s | under 30 s, flat memory | "
            f"{m['rss_before_mb']:.0f} / {m['rss_first_chunk_mb']:.0f} / "
            f"{m['rss_peak_mb']:.0f} |"
        )
    print("\n".join(lines))
    print(
        json.dumps(
            {
                "database": database,
                "contracts": args.contracts,
                "decisions_due": {"p50_ms": due[0], "p95_ms": due[1], "rows": due[2]},
                "decisions_due_deep": {"p50_ms": due_deep[0], "p95_ms": due_deep[1]},
                "decisions_due_api_deep": {"p50_ms": due_api_deep[0], "p95_ms": due_api_deep[1]},
                "decisions_due_api": {
                    "p50_ms": due_api[0],
                    "p95_ms": due_api[1],
                    "rows": due_api[2],
                },
                "decisions_due_raw": {"p50_ms": due_raw[0], "p95_ms": due_raw[1]},
                "decisions_due_api_raw": {"p50_ms": due_api_raw[0], "p95_ms": due_api_raw[1]},
                "ocds": ocds,
                "transparency": transparency,
                "raw_export": raw,
            }
        )
    )


if __name__ == "__main__":
    main()
