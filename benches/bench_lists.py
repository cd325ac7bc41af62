"""Benchmark: list pages and API lists over a million scoped rows, and the partner export.

Run by benches/run.py once per database (DATABASE_URL says which). Prints one line of JSON.

The table is filled with raw SQL (bulk insert / COPY), since the benchmark measures reading.
Each figure is printed beside the same rows fetched with raw SQL, the floor.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "concord.settings")
# A benchmark is a development tool: with no CONCORD_ENV Concord would start as production.
os.environ.setdefault("CONCORD_ENV", "development")
os.environ.setdefault("CONCORD_DEBUG", "0")  # measured as production runs

# Loaded as the web server loads it (concord.wsgi: Django set up, then what was loaded frozen
# out of the garbage collector's way), so the figures are a server process's.
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402

import concord.wsgi  # noqa: E402, F401
from core.heap import freeze_what_is_loaded  # noqa: E402
from core.pagination import _encode  # noqa: E402
from core.tenancy.choices import CouncilRole, ServiceRole  # noqa: E402
from core.tenancy.models import (  # noqa: E402
    Membership,
    Partner,
    User,
)
from core.tenancy.scoping import system_scope  # noqa: E402
from estate.models import Site, SiteType  # noqa: E402

STREETS = [
    "Victoria",
    "King",
    "Hornton",
    "Marylebone",
    "Harrow",
    "Edgware",
    "Portobello",
    "Fulham",
    "Lillie",
    "Church",
    "Queen",
    "Strand",
    "Oxford",
    "Cromwell",
    "Brompton",
    "Goldhawk",
]
KINDS = ["House", "Depot", "Library", "Centre", "Office", "Hall", "Annexe", "Hub", "Store"]
COLUMNS = (
    "created_at",
    "updated_at",
    "version",
    "partner_id",
    "code",
    "name",
    "site_type_id",
    "address",
    "postcode",
    "uprn",
    "is_active",
)


def ms(seconds: float) -> float:
    return seconds * 1000.0


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def fill(rows: int, partners: int, export_rows: int) -> tuple[list[Partner], list[int]]:
    """Create `partners` councils and `rows` sites; the first council gets `export_rows`."""
    with system_scope("benchmark fill"):
        existing = list(Partner.objects.filter(code__startswith="bench").order_by("code"))
        have = Site.objects.filter(partner__code__startswith="bench").count()
        if len(existing) == partners and have == rows:
            return existing, list(SiteType.objects.values_list("pk", flat=True))
        print(f"filling {rows} rows across {partners} partners...", file=sys.stderr)
        Site.objects.filter(partner__code__startswith="bench")._raw_delete(connection.alias)
        made = []
        for i in range(1, partners + 1):
            partner, _ = Partner.objects.get_or_create(
                code=f"bench{i:02d}", defaults={"name": f"Benchmark Council {i:02d}"}
            )
            made.append(partner)
        types = [
            SiteType.objects.get_or_create(name=k)[0].pk for k in ("Office", "Depot", "Library")
        ]
    rng = random.Random(20261122)
    now = datetime.now(UTC)
    others = made[1:]

    def generate():
        for n in range(rows):
            partner = made[0] if n < export_rows else others[n % len(others)]
            street = rng.choice(STREETS)
            name = f"{street} {rng.choice(KINDS)} {rng.randrange(1, 100000):05d}"
            yield (
                now,
                now,
                1,
                partner.pk,
                f"S{n:07d}",
                name,
                rng.choice(types),
                f"{rng.randrange(1, 300)} {street} Street, London",
                "SW1A 1AA",
                str(10000000 + n),
                True,
            )

    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        if connection.vendor == "postgresql":
            with cur.cursor.copy(f"COPY estate_site ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for row in generate():
                    copy.write_row(row)
        else:
            sql = (
                f"INSERT INTO estate_site ({', '.join(COLUMNS)}) "
                f"VALUES ({', '.join(['%s'] * len(COLUMNS))})"
            )
            batch = []
            for row in generate():
                batch.append(row)
                if len(batch) == 20000:
                    cur.executemany(sql, batch)
                    batch.clear()
            if batch:
                cur.executemany(sql, batch)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    print(f"filled in {time.perf_counter() - start:.0f}s", file=sys.stderr)
    return made, types


def person(username: str, service_role: str = "", partner: Partner | None = None) -> User:
    with system_scope("benchmark people"):
        user, _ = User.objects.get_or_create(
            username=username, defaults={"service_role": service_role}
        )
        if partner is not None:
            Membership.objects.get_or_create(user=user, partner=partner, role=CouncilRole.LEAD)
    return user


def cpu_check() -> float:
    """Milliseconds this machine takes, right now, for a fixed loop of plain Python.

    Printed beside the figures: on a shared virtual machine the same code runs at speeds that
    differ by half or more from one minute to the next, and this says how fast the machine was
    while they were measured (the loop is CPU-bound, like a list request).
    """
    samples = []
    for _ in range(5):
        start = time.perf_counter()
        total = 0
        for i in range(200_000):
            total += i % 7
        samples.append(ms(time.perf_counter() - start))
    return statistics.median(samples)


def time_sql(sql: str, params: list, repeat: int) -> float:
    samples = []
    with connection.cursor() as cur:
        for i in range(repeat + 5):
            start = time.perf_counter()
            cur.execute(sql, params)
            cur.fetchall()
            if i >= 5:
                samples.append(ms(time.perf_counter() - start))
    return percentiles(samples)[1]


RAW_LIST = (
    "SELECT s.id, s.code, s.name, s.postcode, s.is_active, p.code, p.name, t.name "
    "FROM estate_site s JOIN tenancy_partner p ON p.id = s.partner_id "
    "LEFT JOIN estate_sitetype t ON t.id = s.site_type_id "
    "{where} ORDER BY s.name, s.id LIMIT 51"
)


def lists(made: list[Partner], repeat: int) -> list[dict]:
    manager = person("bench.manager", ServiceRole.MANAGER)
    lead = person("bench02.lead", partner=made[1])
    with connection.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM estate_site")
        total = cur.fetchone()[0]
        cur.execute(
            "SELECT name, id FROM estate_site ORDER BY name, id LIMIT 1 OFFSET %s",
            [int(total * 0.9)],
        )
        deep_name, deep_id = cur.fetchone()
        cur.execute("SELECT COUNT(*) FROM estate_site WHERE partner_id = %s", [made[1].pk])
        lead_total = cur.fetchone()[0]
        cur.execute(
            "SELECT name, id FROM estate_site WHERE partner_id = %s ORDER BY name, id "
            "LIMIT 1 OFFSET %s",
            [made[1].pk, int(lead_total * 0.9)],
        )
        lead_deep_name, lead_deep_id = cur.fetchone()
    deep = _encode([deep_name, deep_id], "n", ["name", "id"])
    lead_deep = _encode([lead_deep_name, lead_deep_id], "n", ["name", "id"])
    after = "WHERE s.name >= %s AND (s.name > %s OR (s.name = %s AND s.id > %s))"
    lead_where = "WHERE s.partner_id IN (%s)"
    cases = [
        (
            "API list, first page, service manager",
            manager,
            "/api/v1/sites/",
            RAW_LIST.format(where=""),
            [],
        ),
        (
            "API list, page at 90% (keyset), service manager",
            manager,
            f"/api/v1/sites/?cursor={deep}",
            RAW_LIST.format(where=after),
            [deep_name, deep_name, deep_name, deep_id],
        ),
        (
            "HTML list, first page, service manager",
            manager,
            "/sites/",
            RAW_LIST.format(where=""),
            [],
        ),
        (
            "HTML list, page at 90% (keyset), service manager",
            manager,
            f"/sites/?cursor={deep}",
            RAW_LIST.format(where=after),
            [deep_name, deep_name, deep_name, deep_id],
        ),
        (
            "API list, first page, council lead",
            lead,
            "/api/v1/sites/",
            RAW_LIST.format(where=lead_where),
            [made[1].pk],
        ),
        (
            "HTML list, first page, council lead",
            lead,
            "/sites/",
            RAW_LIST.format(where=lead_where),
            [made[1].pk],
        ),
        (
            "HTML list, page at 90% (keyset), council lead",
            lead,
            f"/sites/?cursor={lead_deep}",
            RAW_LIST.format(where=lead_where + " AND " + after[len("WHERE ") :]),
            [made[1].pk, lead_deep_name, lead_deep_name, lead_deep_name, lead_deep_id],
        ),
    ]
    # The cases take turns, a batch of requests each, round after round: on a machine whose
    # speed changes from minute to minute every case then meets the same slow and fast
    # moments, and the lines of the table can be compared with each other. (A batch rather
    # than one request: alternating pages every request measures cold processor caches.)
    clients = []
    for _name, user, url, _sql, _params in cases:
        client = Client()
        client.force_login(user, backend="core.tenancy.auth.ConcordBackend")
        for _ in range(5):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        clients.append(client)
    samples: list[list[float]] = [[] for _ in cases]
    before = cpu_check()
    batch = 20
    for first in range(0, repeat, batch):
        for index, (client, case) in enumerate(zip(clients, cases, strict=True)):
            for _ in range(min(batch, repeat - first)):
                start = time.perf_counter()
                response = client.get(case[2])
                samples[index].append(ms(time.perf_counter() - start))
                assert response.status_code == 200
    cpu = statistics.median([before, cpu_check()])
    results = []
    for (name, _user, _url, sql, params), timed in zip(cases, samples, strict=True):
        p50, p95 = percentiles(timed)
        raw = time_sql(sql, params, repeat)
        print(
            f"{name}: p50 {p50:.1f} ms, p95 {p95:.1f} ms (raw {raw:.2f} ms, CPU check {cpu:.1f})",
            file=sys.stderr,
        )
        results.append(
            {"name": name, "p50_ms": p50, "p95_ms": p95, "raw_p95_ms": raw, "cpu_check_ms": cpu}
        )
    return results


def export_child(code: str) -> dict:
    """Run in a fresh process: export one partner, report time and peak memory."""
    from core.partner_export import export_partner

    with system_scope("benchmark export"):
        partner = Partner.objects.get(code=code)
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "export.zip"
        start = time.perf_counter()
        manifest = export_partner(partner, out)
        seconds = time.perf_counter() - start
        size = out.stat().st_size
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows = (
        sum(f.get("rows", 0) for f in manifest.get("files", []))
        if isinstance(manifest.get("files"), list)
        else None
    )
    # The same rows, read with raw SQL and written as CSV: the floor.
    start = time.perf_counter()
    with connection.cursor() as cur, io.StringIO() as sink:
        cur.execute(
            f"SELECT id, {', '.join(COLUMNS)} FROM estate_site WHERE partner_id = %s",
            [partner.pk],
        )
        writer = csv.writer(sink)
        while True:
            chunk = cur.fetchmany(5000)
            if not chunk:
                break
            writer.writerows(chunk)
            sink.seek(0)
            sink.truncate()
    raw_seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "raw_seconds": raw_seconds,
        "peak_rss_mb": peak,
        "baseline_rss_mb": baseline,
        "zip_mb": size / 1e6,
        "manifest_rows": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--partners", type=int, default=30)
    parser.add_argument("--export-rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--export-child", default="")
    args = parser.parse_args()

    if args.export_child:
        print(json.dumps(export_child(args.export_child)))
        return

    call_command("migrate", verbosity=0)
    made, _ = fill(args.rows, args.partners, args.export_rows)
    # As the server's process freezes what it loaded at start (core.heap), this one freezes
    # its set-up: the collector's full passes would otherwise walk it inside timed requests.
    freeze_what_is_loaded()
    results = lists(made, args.repeat)
    child = subprocess.run(
        [sys.executable, __file__, "--export-child", made[0].code],
        check=True,
        capture_output=True,
        text=True,
        env=os.environ,
    )
    sys.stderr.write(child.stderr)
    export = json.loads(child.stdout.strip().splitlines()[-1])
    export["rows"] = args.export_rows
    print(
        f"partner export of {args.export_rows} rows: {export['seconds']:.1f}s, "
        f"peak RSS {export['peak_rss_mb']:.0f} MB",
        file=sys.stderr,
    )
    print(json.dumps({"lists": results, "export": export}))


if __name__ == "__main__":
    main()
