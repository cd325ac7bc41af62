"""Benchmark: the asset register's heavy work, each beside the same work in raw SQL.

    python benches/bench_assets.py import --rows 100000
    python benches/bench_assets.py impact --items 100000 --depth 5 [--repeat 20]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/concord_bench_assets \
        python benches/bench_assets.py ...

``import``: writes a CSV of `--rows` assets in Concord's columns (a council's code as the owner,
a hardware model, an operating system), then imports it through the foundation's import as a
shared-service agent (`core.importing.import_records`: every row checked, converted, saved with
its owner share and its change record, in one transaction), timed, with the process's peak
resident memory; then the same rows written with the database's own bulk path, the floor: the
asset and its owner share, no checks, no change log, by ``executemany`` of one prepared INSERT
on SQLite and by ``COPY`` on PostgreSQL (the path the import writes with there). A second run
of the import (every row an update, matched by serial number) is timed too.

``impact``: fills a graph of `--items` configuration items (each council's own, one in fifty
co-owned) with three relationships an item on average, in raw SQL, then times
`assets.services.impact` at `--depth` from the busiest items, as the shared service (every
council) and as a council's lead (its own items and those it co-owns), beside a recursive
common table expression doing the same walk (the floor: no visibility, no item loading).

Each prints a Markdown table for docs/performance.md and one line of JSON. The database is
migrated first; the tables the bench fills are emptied before it starts (use a database of its
own).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "concord.settings")
os.environ.setdefault("CONCORD_ENV", "development")
# As served: Django keeps no log of every query (it holds thousands of bulk statements).
os.environ.setdefault("CONCORD_DEBUG", "0")

import django  # noqa: E402

django.setup()

from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from assets import services  # noqa: E402
from assets.models import (  # noqa: E402
    Asset,
    AssetMove,
    CIRelationship,
    ConfigurationItem,
    Disposal,
    HardwareModel,
    Manufacturer,
    Sighting,
)
from core.importing import import_records  # noqa: E402
from core.tenancy.choices import CouncilRole, ServiceRole  # noqa: E402
from core.tenancy.models import Membership, Partner, User  # noqa: E402
from core.tenancy.scoping import system_scope  # noqa: E402

COLUMNS = [
    "owner_shares", "kind", "asset_tag", "serial_number", "name", "hardware_model",
    "os_name", "os_version", "purchased_on", "purchase_cost", "supplier",
]  # fmt: skip
SYSTEMS = [
    ("Windows 11 Enterprise", "23H2"), ("Windows 10 Enterprise", "22H2"),
    ("Windows 7 Professional", ""), ("Windows Server 2012 R2", ""), ("iOS", "17.4"),
]  # fmt: skip


def engine() -> str:
    return "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def setting_up() -> tuple[dict[str, Partner], User, User]:
    call_command("migrate", verbosity=0)
    with system_scope("benchmark"), transaction.atomic():
        # Raw deletes: the ORM's would collect every row first (minutes for 100,000 items).
        cursor = connection.cursor()
        for model in (AssetMove, Sighting, Disposal, CIRelationship, ConfigurationItem, Asset):
            cursor.execute(f"DELETE FROM {model._meta.db_table}")
        cursor.execute("DELETE FROM tenancy_ownershare")
        partners = {}
        for code, name in (("wcc", "City of Westminster"), ("rbkc", "Kensington and Chelsea")):
            partners[code] = Partner.objects.get_or_create(
                code=code, defaults={"name": name, "joined_on": "2011-04-01"}
            )[0]
        agent = User.objects.filter(username="bench.agent").first() or User.objects.create(
            username="bench.agent", service_role=ServiceRole.AGENT
        )
        lead = User.objects.filter(username="bench.lead").first() or User.objects.create(
            username="bench.lead"
        )
        Membership.objects.get_or_create(
            user=lead, partner=partners["wcc"], defaults={"role": CouncilRole.LEAD}
        )
        maker = Manufacturer.objects.get_or_create(name="Dell")[0]
        HardwareModel.objects.get_or_create(
            name="Latitude 5440", defaults={"manufacturer": maker, "kind": "laptop"}
        )
    return partners, agent, lead


def write_csv(path: Path, rows: int) -> None:
    rng = random.Random(7)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        for n in range(rows):
            system, version = SYSTEMS[n % len(SYSTEMS)]
            writer.writerow([
                "wcc" if n % 2 else "rbkc", "laptop", f"BT-{n:07d}", f"SN{n:09d}",
                f"Bench laptop {n}", "Latitude 5440", system, version,
                f"20{10 + n % 15}-04-01", f"{500 + rng.randrange(900)}.00", "Softcat",
            ])  # fmt: skip


#: The asset columns the floor writes, and the values it gives every row.
FLOOR_COLUMNS = (
    "id, created_at, updated_at, version, kind, asset_tag, serial_number, name, "
    "hardware_model_id, os_name, os_version, eol_product, eol_release, purchased_on, "
    "purchase_cost, order_number, supplier, state, notes"
)


def bulk_insert(path: Path, partners: dict[str, Partner]) -> float:
    """The same rows with the database's own bulk path: the asset and its owner share, nothing
    checked or logged. SQLite: ``executemany`` of one prepared INSERT (its fastest way in);
    PostgreSQL: ``COPY ... FROM STDIN``, the path the import itself writes with there."""
    content_type = ContentType.objects.get_for_model(Asset).pk
    model_id = HardwareModel.objects.unscoped("benchmark").get(name="Latitude 5440").pk
    table, shares = Asset._meta.db_table, "tenancy_ownershare"
    copying = connection.vendor == "postgresql"
    start = time.perf_counter()
    with path.open(newline="", encoding="utf-8") as f, transaction.atomic():
        reader = csv.reader(f)
        next(reader)
        cursor = connection.cursor()
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        next_id = cursor.fetchone()[0] + 1
        batch: list[tuple[Any, ...]] = []
        share_batch: list[tuple[Any, ...]] = []
        now = datetime.now(UTC)

        def flush() -> None:
            if copying:
                raw = cursor.cursor  # psycopg's own cursor: COPY is not part of the DB-API
                with raw.copy(f"COPY {table} ({FLOOR_COLUMNS}) FROM STDIN") as copy:
                    for row in batch:
                        copy.write_row(row)
                with raw.copy(
                    f"COPY {shares} (content_type_id, object_id, partner_id, percentage) FROM STDIN"
                ) as copy:
                    for row in share_batch:
                        copy.write_row(row)
            else:
                cursor.executemany(
                    f"INSERT INTO {table} ({FLOOR_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, "
                    "%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    batch,
                )
                cursor.executemany(
                    f"INSERT INTO {shares} (content_type_id, object_id, partner_id, percentage) "
                    "VALUES (%s, %s, %s, %s)",
                    share_batch,
                )
            batch.clear()
            share_batch.clear()

        for row in reader:
            owner, kind, tag, serial, name, _, system, version, bought, cost, supplier = row
            batch.append((next_id, now, now, 1, kind, f"R{tag}", f"R{serial}", name, model_id,
                          system, version, "", "", bought, Decimal(cost), "", supplier,
                          "in_stock", ""))  # fmt: skip
            share_batch.append((content_type, next_id, partners[owner].pk, 100))
            next_id += 1
            if len(batch) >= 5000:
                flush()
        if batch:
            flush()
        if copying:
            # COPY with ids given does not move the key's sequence: as an insert would.
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, next_id - 1]
            )
    return time.perf_counter() - start


def run_import(args: argparse.Namespace) -> dict[str, Any]:
    partners, agent, _ = setting_up()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "assets.csv"
        write_csv(path, args.rows)
        before = peak_mb()
        start, cpu = time.perf_counter(), time.process_time()
        with path.open("rb") as f:
            result = import_records(Asset, f, path.name, agent, dry_run=False)
        took = time.perf_counter() - start
        # This process's own CPU time (not the database server's): on the shared machine,
        # less moved by the other work beside it than the time on the clock.
        took_cpu = time.process_time() - cpu
        assert result.ok, result.errors[:5]
        memory = peak_mb()
        start = time.perf_counter()
        with path.open("rb") as f:
            again = import_records(Asset, f, path.name, agent, dry_run=True)
        recheck = time.perf_counter() - start
        assert again.ok and again.updated == args.rows, (again.created, again.updated)
        floor = bulk_insert(path, partners)
    return {
        "engine": engine(),
        "rows": args.rows,
        "import_s": round(took, 1),
        "import_rows_per_s": round(args.rows / took),
        "import_cpu_s": round(took_cpu, 1),
        "reimport_dry_run_s": round(recheck, 1),
        "reimport_rows_per_s": round(args.rows / recheck),
        "peak_rss_mb": round(memory),
        "rss_before_mb": round(before),
        "floor": "COPY" if connection.vendor == "postgresql" else "executemany",
        "bulk_insert_s": round(floor, 2),
        "bulk_rows_per_s": round(args.rows / floor),
    }


#: Layers of a council's IT, top to bottom, by an item's number modulo 10.
LAYERS = ["service", "service", "application", "application", "application", "database",
          "database", "virtual_machine", "server", "network"]  # fmt: skip
#: Items in one "block" (a council's group of systems): dependencies stay inside a block,
#: except those on the shared hubs.
BLOCK = 1000
#: Shared items (clusters, core switches) that items in every block may depend on.
HUBS = 50


def fill_graph(items: int, partners: dict[str, Partner]) -> list[int]:
    """Items and relationships in raw SQL, shaped like a CMDB: services depend on
    applications, which run on databases and (virtual) servers, which connect to the network;
    one or two relationships down per item, within its block of a thousand, and one in fifty
    on one of the shared hubs. Returns the items the walks start from: a hub, a database, a
    server and a network device."""
    rng = random.Random(5)
    content_type = ContentType.objects.get_for_model(ConfigurationItem).pk
    table, rel = ConfigurationItem._meta.db_table, CIRelationship._meta.db_table
    now = datetime.now(UTC)
    wcc, rbkc = partners["wcc"].pk, partners["rbkc"].pk

    def layer(n: int) -> int:
        return 9 if n <= HUBS else n % 10

    with transaction.atomic():
        cursor = connection.cursor()
        cursor.executemany(
            f"INSERT INTO {table} (id, created_at, updated_at, version, name, kind, description, "
            "is_live) VALUES (%s, %s, %s, 1, %s, %s, '', %s)",
            [(n, now, now, f"Item {n:06d}", LAYERS[layer(n)], True) for n in range(1, items + 1)],
        )
        shares = []
        for n in range(1, items + 1):
            if n <= HUBS or n % 50 == 0:
                shares += [(content_type, n, wcc, 50), (content_type, n, rbkc, 50)]
            else:
                # A block is one council's.
                shares.append((content_type, n, wcc if (n // BLOCK) % 2 else rbkc, 100))
        cursor.executemany(
            "INSERT INTO tenancy_ownershare (content_type_id, object_id, partner_id, percentage) "
            "VALUES (%s, %s, %s, %s)",
            shares,
        )
        edges = set()
        for n in range(HUBS + 1, items + 1):
            here = layer(n)
            block = (n // BLOCK) * BLOCK
            for _ in range(rng.choice([1, 1, 2])):
                if here == 9:
                    break
                # An item a layer or two further down, in the same block.
                below = min(9, here + rng.choice([1, 1, 2]))
                base = block + rng.randrange(0, BLOCK // 10) * 10 + below
                target = max(HUBS + 1, min(items, base))
                kind = "runs_on" if below >= 7 else "depends_on"
                if below == 9:
                    kind = "connected_to"
                if target != n:
                    edges.add((n, kind, target))
            if rng.random() < 0.02:
                edges.add((n, "depends_on", rng.randrange(1, HUBS + 1)))
        cursor.executemany(
            f"INSERT INTO {rel} (created_at, updated_at, version, source_id, kind, target_id, "
            "note) VALUES (%s, %s, 1, %s, %s, %s, '')",
            [(now, now, s, k, t) for s, k, t in edges],
        )
    if connection.vendor == "postgresql":
        connection.cursor().execute("ANALYZE")
    else:
        connection.cursor().execute("ANALYZE")
    return [7, 2005, 3008, 4009]


CTE = """
WITH RECURSIVE walk(id, depth) AS (
    SELECT CAST(%s AS BIGINT), 0
    UNION
    SELECT CASE WHEN r.target_id = w.id THEN r.source_id ELSE r.target_id END, w.depth + 1
    FROM walk w JOIN {rel} r
      ON r.target_id = w.id OR (r.kind = 'connected_to' AND r.source_id = w.id)
    WHERE w.depth < %s
)
SELECT id, MIN(depth) FROM walk GROUP BY id
"""


def run_impact(args: argparse.Namespace) -> dict[str, Any]:
    if args.reuse:
        # The graph an earlier run filled: only the walks are timed.
        agent = User.objects.get(username="bench.agent")
        lead = User.objects.get(username="bench.lead")
        starts, filled = [7, 2005, 3008, 4009], 0.0
    else:
        partners, agent, lead = setting_up()
        start = time.perf_counter()
        starts = fill_graph(args.items, partners)
        filled = time.perf_counter() - start
    rel = CIRelationship._meta.db_table
    rows = []
    for reader, user in (("shared service", agent), ("council lead", lead)):
        for pk in starts:
            item = ConfigurationItem.objects.visible_to(user).filter(pk=pk).first()
            if item is None:
                continue
            times, reached = [], 0
            for _ in range(args.repeat):
                t = time.perf_counter()
                result = services.impact(item, user, args.depth)
                times.append((time.perf_counter() - t) * 1000)
                reached = len(result.nodes)
            raw = []
            for _ in range(args.repeat):
                t = time.perf_counter()
                with connection.cursor() as cursor:
                    cursor.execute(CTE.format(rel=rel), [pk, args.depth])
                    found = len(cursor.fetchall()) - 1
                raw.append((time.perf_counter() - t) * 1000)
            rows.append({
                "reader": reader, "item": pk, "reached": reached, "raw_reached": found,
                "p50_ms": round(statistics.median(times), 1),
                "p95_ms": round(sorted(times)[int(0.95 * (len(times) - 1))], 1),
                "raw_p50_ms": round(statistics.median(raw), 1),
            })  # fmt: skip
    return {
        "engine": engine(),
        "items": args.items,
        "depth": args.depth,
        "fill_s": round(filled, 1),
        "walks": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    imp = sub.add_parser("import")
    imp.add_argument("--rows", type=int, default=100_000)
    walk = sub.add_parser("impact")
    walk.add_argument("--items", type=int, default=100_000)
    walk.add_argument("--depth", type=int, default=5)
    walk.add_argument("--repeat", type=int, default=20)
    walk.add_argument("--reuse", action="store_true", help="walk the graph an earlier run filled")
    args = parser.parse_args()
    stamp = (
        f"Run on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, load average "
        f"{os.getloadavg()[0]:.1f}."
    )
    if args.what == "import":
        r = run_import(args)
        print(
            f"Command: `python benches/bench_assets.py import --rows {args.rows}` on "
            f"{r['engine']}. {stamp}\n\n| work | rows | seconds | rows/s | peak memory |\n"
            "|---|---:|---:|---:|---:|\n"
            f"| import (Concord CSV, all checks, change log) | {r['rows']:,} | {r['import_s']} | "
            f"{r['import_rows_per_s']:,} | {r['peak_rss_mb']} MB |\n"
            f"| import, this process's CPU time only | {r['rows']:,} | {r['import_cpu_s']} | "
            f"{round(r['rows'] / max(r['import_cpu_s'], 0.1)):,} | |\n"
            f"| re-import, dry run (every row an update by serial) | {r['rows']:,} | "
            f"{r['reimport_dry_run_s']} | {r['reimport_rows_per_s']:,} | |\n"
            f"| bulk insert ({r['floor']}, the floor) | {r['rows']:,} | {r['bulk_insert_s']} | "
            f"{r['bulk_rows_per_s']:,} | |"
        )
        print(json.dumps(r))
    else:
        r = run_impact(args)
        print(
            f"Command: `python benches/bench_assets.py impact --items {args.items} --depth "
            f"{args.depth} --repeat {args.repeat}` on {r['engine']} (graph filled in "
            f"{r['fill_s']} s). {stamp}\n\n| reader | from item | items reached | p50 ms | "
            "p95 ms | recursive CTE p50 ms (reached) |\n|---|---:|---:|---:|---:|---:|"
        )
        for w in r["walks"]:
            print(
                f"| {w['reader']} | {w['item']} | {w['reached']:,} | {w['p50_ms']} | "
                f"{w['p95_ms']} | {w['raw_p50_ms']} ({w['raw_reached']:,}) |"
            )
        print(json.dumps(r))


if __name__ == "__main__":
    main()
