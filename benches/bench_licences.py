"""Benchmark: the licence compliance position over many installations, beside raw SQL.

    python benches/bench_licences.py --installations 200000 --products 2000 [--repeat 5]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/concord_bench python benches/bench_licences.py

Fills, in bulk (``unlogged`` bulk_create: a benchmark's data, not a change anyone made),
`--partners` councils, `--products` software products, an agreement of each product for each
council (one in ten co-owned by the first two councils, 50/50), devices (ten installations
each), a seat on one device in four for its first product, and `--installations`
installations spread over the products. Then times the compliance position of every product
for every council and the partnership: `licences.services.compliance` (what the page and the
API call), ``GET /api/v1/licence-compliance/`` through the whole stack as a shared-service
agent (every council) and as one council's lead, and beside them the same three grouped
counts in raw SQL (the floor: entitlements by share, seats by council and product,
installations no seat covers). Prints a Markdown table for docs/performance.md, and one line
of JSON. No test asserts a time.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
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

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402

import concord.wsgi  # noqa: E402, F401
from assets.models import Asset  # noqa: E402
from core.heap import freeze_what_is_loaded  # noqa: E402
from core.tenancy.choices import CouncilRole, ServiceRole  # noqa: E402
from core.tenancy.models import Membership, Partner, User  # noqa: E402
from core.tenancy.records import OwnerShare  # noqa: E402
from core.tenancy.scoping import system_scope  # noqa: E402
from licences import services  # noqa: E402
from licences.models import (  # noqa: E402
    Installation,
    LicenceAgreement,
    LicenceAssignment,
    SoftwareProduct,
)

BATCH = 5000
WHY = "benchmark fill: generated data, not a change anyone made"


def content_type(model: Any) -> Any:
    """The content type of `model` (imported here: Django is set up by then)."""
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(model)


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


def _bulk(manager: Any, rows: list[Any]) -> None:
    for start in range(0, len(rows), BATCH):
        manager.unlogged(WHY).bulk_create(rows[start : start + BATCH])


def fill(installations: int, products: int, partners: int) -> tuple[list[Partner], float]:
    """The councils, and how long the bulk fill took (0 when the data was there already)."""
    with system_scope("benchmark fill"):
        made = [
            Partner.objects.get_or_create(
                code=f"lic{i:02d}", defaults={"name": f"Licence Benchmark Council {i:02d}"}
            )[0]
            for i in range(1, partners + 1)
        ]
        have = Installation.objects.filter(partner__in=made).count()
        if have == installations:
            return made, 0.0
        print(f"filling {installations} installations over {products} products...", file=sys.stderr)
        Installation.objects.filter(partner__in=made)._raw_delete(connection.alias)
        LicenceAssignment.objects.filter(partner__in=made)._raw_delete(connection.alias)
        bench_agreements = LicenceAgreement.objects.filter(reference__startswith="BENCH-")
        OwnerShare.objects.filter(
            content_type=content_type(LicenceAgreement),
            object_id__in=bench_agreements.values("pk"),
        ).delete()
        bench_agreements._raw_delete(connection.alias)
        bench_assets = Asset.objects.filter(asset_tag__startswith="BENCH-")
        OwnerShare.objects.filter(
            content_type=content_type(Asset),
            object_id__in=bench_assets.values("pk"),
        ).delete()
        bench_assets._raw_delete(connection.alias)
        SoftwareProduct.objects.filter(name__startswith="Bench product ")._raw_delete(
            connection.alias
        )
    rng = random.Random(20261204)
    start = time.perf_counter()
    with transaction.atomic(), system_scope("benchmark fill"):
        _bulk(
            SoftwareProduct.objects,
            [
                SoftwareProduct(name=f"Bench product {n:05d}", publisher=f"Publisher {n % 97}")
                for n in range(products)
            ],
        )
        product_ids = list(
            SoftwareProduct.objects.filter(name__startswith="Bench product ")
            .order_by("name")
            .values_list("pk", flat=True)
        )
        agreement_rows = []
        owners: list[list[int]] = []
        for p_index, product_id in enumerate(product_ids):
            for c_index, council in enumerate(made):
                if p_index % 10 == 0 and c_index == 1:
                    continue  # the first two councils share this product's agreement
                quantity = rng.randrange(20, 200)
                unit = Decimal(rng.randrange(500, 50000)) / 100
                agreement_rows.append(
                    LicenceAgreement(
                        reference=f"BENCH-{p_index:05d}-{council.code}",
                        product_id=product_id,
                        kind="subscription",
                        quantity=quantity,
                        unit_cost=unit,
                        total_cost=unit * quantity,
                        starts_on=datetime.date(2025, 1, 1),
                    )
                )
                shared = p_index % 10 == 0 and c_index == 0
                owners.append([made[0].pk, made[1].pk] if shared else [council.pk])
        _bulk(LicenceAgreement.objects, agreement_rows)
        agreement_ids = list(
            LicenceAgreement.objects.filter(reference__startswith="BENCH-")
            .order_by("reference")
            .values_list("pk", "product_id", "reference")
        )
        by_reference = {ref: (pk, product_id) for pk, product_id, ref in agreement_ids}
        agreement_kind = content_type(LicenceAgreement)
        shares = []
        for row, held_by in zip(agreement_rows, owners, strict=True):
            pk, _ = by_reference[row.reference]
            pct = Decimal(100) / len(held_by)
            shares += [
                OwnerShare(
                    content_type=agreement_kind, object_id=pk, partner_id=pid, percentage=pct
                )
                for pid in held_by
            ]
        OwnerShare.objects.bulk_create(shares, batch_size=BATCH)
        devices = max(installations // 10, 1)
        _bulk(
            Asset.objects,
            [
                Asset(kind="laptop", asset_tag=f"BENCH-{n:07d}", serial_number=f"BSN-{n:07d}")
                for n in range(devices)
            ],
        )
        device_ids = list(
            Asset.objects.filter(asset_tag__startswith="BENCH-")
            .order_by("asset_tag")
            .values_list("pk", flat=True)
        )
        asset_kind = content_type(Asset)
        device_partner = {pk: made[n % len(made)].pk for n, pk in enumerate(device_ids)}
        OwnerShare.objects.bulk_create(
            [
                OwnerShare(
                    content_type=asset_kind,
                    object_id=pk,
                    partner_id=device_partner[pk],
                    percentage=Decimal(100),
                )
                for pk in device_ids
            ],
            batch_size=BATCH,
        )
        agreement_for = {}
        for pk, product_id, reference in agreement_ids:
            agreement_for[(product_id, reference.rsplit("-", 1)[1])] = pk
        code_of = {p.pk: p.code for p in made}
        install_rows = []
        seat_rows = []
        for n in range(installations):
            device_id = device_ids[n // 10]
            product_id = product_ids[rng.randrange(len(product_ids))]
            partner_id = device_partner[device_id]
            install_rows.append(
                Installation(
                    partner_id=partner_id,
                    device_id=device_id,
                    product_id=product_id,
                    product_version=str(n % 10),
                    detected_on=datetime.date(2026, 11, 1),
                )
            )
            if n % 10 == 0 and (n // 10) % 4 == 0:
                # A seat on one device in four, for the product first found on it: the
                # council's own agreement, else the one the first two councils share.
                held = agreement_for.get((product_id, code_of[partner_id]))
                if held is None and partner_id == made[1].pk:
                    held = agreement_for.get((product_id, made[0].code))
                if held is not None:
                    seat_rows.append(
                        LicenceAssignment(
                            agreement_id=held,
                            partner_id=partner_id,
                            device_id=device_id,
                            assigned_on=datetime.date(2026, 1, 1),
                        )
                    )
        _bulk(Installation.objects, install_rows)
        _bulk(LicenceAssignment.objects, seat_rows)
    return made, time.perf_counter() - start


RAW_ENTITLED = """
SELECT s.partner_id, a.product_id, SUM(a.quantity * s.percentage / 100), SUM(a.total_cost *
       s.percentage / 100)
FROM licences_licenceagreement a
JOIN {shares} s ON s.object_id = a.id AND s.content_type_id = %s
WHERE a.starts_on <= %s AND (a.ends_on IS NULL OR a.ends_on >= %s)
GROUP BY s.partner_id, a.product_id
"""
RAW_ASSIGNED = """
SELECT g.partner_id, a.product_id, COUNT(*)
FROM licences_licenceassignment g JOIN licences_licenceagreement a ON a.id = g.agreement_id
GROUP BY g.partner_id, a.product_id
"""
RAW_UNCOVERED = """
SELECT i.partner_id, i.product_id, COUNT(*)
FROM licences_installation i JOIN assets_asset d ON d.id = i.device_id
WHERE NOT EXISTS (
    SELECT 1 FROM licences_licenceassignment g
    JOIN licences_licenceagreement a ON a.id = g.agreement_id
    WHERE a.product_id = i.product_id AND g.device_id = i.device_id)
  AND NOT EXISTS (
    SELECT 1 FROM licences_licenceassignment g
    JOIN licences_licenceagreement a ON a.id = g.agreement_id
    WHERE a.product_id = i.product_id AND g.person_id = d.assigned_to_id)
GROUP BY i.partner_id, i.product_id
"""


def time_raw(repeat: int) -> tuple[float, float]:
    today = datetime.date.today()
    kind = content_type(LicenceAgreement).pk
    samples = []
    with connection.cursor() as cur:
        for i in range(repeat + 1):
            start = time.perf_counter()
            cur.execute(RAW_ENTITLED.format(shares=OwnerShare._meta.db_table), [kind, today, today])
            cur.fetchall()
            cur.execute(RAW_ASSIGNED)
            cur.fetchall()
            cur.execute(RAW_UNCOVERED)
            cur.fetchall()
            if i:
                samples.append(ms(time.perf_counter() - start))
    return percentiles(samples)


def time_service(user: User, repeat: int) -> tuple[float, float, int]:
    samples = []
    rows = 0
    for i in range(repeat + 1):
        start = time.perf_counter()
        rows = len(services.compliance(user))
        if i:
            samples.append(ms(time.perf_counter() - start))
    p50, p95 = percentiles(samples)
    return p50, p95, rows


def time_api(user: User, repeat: int) -> tuple[float, float, int]:
    client = Client()
    client.force_login(user, backend="core.tenancy.auth.ConcordBackend")
    samples = []
    rows = 0
    for i in range(repeat + 1):
        start = time.perf_counter()
        response = client.get("/api/v1/licence-compliance/")
        elapsed = ms(time.perf_counter() - start)
        assert response.status_code == 200, response.content[:300]
        rows = len(response.json())
        if i:
            samples.append(elapsed)
    p50, p95 = percentiles(samples)
    return p50, p95, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--installations", type=int, default=200_000)
    parser.add_argument("--products", type=int, default=2_000)
    parser.add_argument("--partners", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    made, fill_seconds = fill(args.installations, args.products, args.partners)
    # As the server's process freezes what it loaded at start (core.heap), this one freezes
    # its set-up: the collector's full passes would otherwise walk it inside timed requests.
    freeze_what_is_loaded()
    agent = person("bench.licences", ServiceRole.AGENT)
    lead = person(f"{made[0].code}.licencelead", partner=made[0], role=CouncilRole.LEAD)
    raw = time_raw(args.repeat)
    measurements = []
    for reader, user in (("agent (every council)", agent), ("council lead", lead)):
        service = time_service(user, args.repeat)
        api = time_api(user, args.repeat)
        measurements.append(
            {
                "reader": reader,
                "rows": service[2],
                "service_p50_ms": service[0],
                "service_p95_ms": service[1],
                "api_p50_ms": api[0],
                "api_p95_ms": api[1],
                "raw_p50_ms": raw[0],
                "raw_p95_ms": raw[1],
            }
        )
        print(
            f"{reader}: service p95 {service[1]:.0f} ms, API p95 {api[1]:.0f} ms", file=sys.stderr
        )
    database = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    filled = (
        f"filled in bulk in {fill_seconds:.1f} s" if fill_seconds else "filled by an earlier run"
    )
    lines = [
        f"Command: `python benches/bench_licences.py --installations {args.installations} "
        f"--products {args.products} --partners {args.partners} --repeat {args.repeat}` on "
        f"{database}. Run on {datetime.datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"data {filled}, load average {os.getloadavg()[0]:.1f}.",
        "",
        "| reader | rows | service p50 ms | service p95 ms | API p50 ms | API p95 ms | "
        "raw SQL p50 ms | raw SQL p95 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for m in measurements:
        lines.append(
            f"| {m['reader']} | {m['rows']} | {m['service_p50_ms']:.0f} | "
            f"{m['service_p95_ms']:.0f} | {m['api_p50_ms']:.0f} | {m['api_p95_ms']:.0f} | "
            f"{m['raw_p50_ms']:.0f} | {m['raw_p95_ms']:.0f} |"
        )
    print("\n".join(lines))
    print(
        json.dumps(
            {"database": database, "installations": args.installations, "runs": measurements}
        )
    )


if __name__ == "__main__":
    main()
