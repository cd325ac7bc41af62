"""The asset register of the demo partnership: a realistic estate per council.

Laptops and desktops of several ages (some still on Windows 7 or Windows 10, out of support),
servers (two on Windows Server 2012 R2), phones, printers and a data-centre switch both
current councils own; configuration items with their dependencies (Westminster's housing
system runs on two servers and depends on a SQL Server cluster co-owned by Westminster and
Kensington and Chelsea, on which Kensington and Chelsea's Dynamics CRM depends too); lifecycle
moves, a disposal with its certificate, stock-take sightings (some assets overdue) and each
council's stock-take intervals.

Called by `concord demo` (core.demo) after the councils, people, estate and service desk.
Records are looked up by natural key (a manufacturer's or model's name, an asset's tag, an
item's name) and created only when missing, so a second run creates nothing.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.utils import timezone

from assets import services
from assets.models import (
    Asset,
    CIRelationship,
    ConfigurationItem,
    HardwareModel,
    Manufacturer,
    StocktakePolicy,
)
from core.demo import DemoRun
from core.services import set_owner_shares
from core.tenancy.models import User

#: (manufacturer, model, kind, end of life)
MODELS = (
    ("Dell", "Latitude 5440", "laptop", None),
    ("Dell", "Latitude E7450", "laptop", datetime.date(2020, 12, 31)),
    ("Dell", "OptiPlex 7010", "desktop", datetime.date(2019, 6, 30)),
    ("Dell", "OptiPlex 7000", "desktop", None),
    ("HP", "EliteBook 840 G5", "laptop", datetime.date(2024, 3, 31)),
    ("Lenovo", "ThinkPad T14 Gen 4", "laptop", None),
    ("Apple", "iPhone 13", "phone", None),
    ("Apple", "iPhone SE (2nd generation)", "phone", None),
    ("Dell", "PowerEdge R640", "server", datetime.date(2026, 5, 31)),
    ("Dell", "PowerEdge R750", "server", None),
    ("Cisco", "Catalyst 9300", "network", None),
    ("HP", "LaserJet M507", "printer", None),
)


@dataclass(frozen=True)
class Fleet:
    """A batch of like devices a council bought together."""

    prefix: str
    count: int
    kind: str
    model: str
    os_name: str
    os_version: str
    bought: datetime.date
    cost: str
    state: str = "deployed"


FLEETS: dict[str, tuple[Fleet, ...]] = {
    "wcc": (
        Fleet(
            "LT",
            8,
            "laptop",
            "Latitude 5440",
            "Windows 11 Enterprise",
            "23H2",
            datetime.date(2024, 4, 2),
            "949.00",
        ),
        Fleet(
            "LT",
            4,
            "laptop",
            "EliteBook 840 G5",
            "Windows 10 Enterprise",
            "22H2",
            datetime.date(2019, 1, 14),
            "1105.00",
        ),
        Fleet(
            "DT",
            2,
            "desktop",
            "OptiPlex 7010",
            "Windows 7 Professional",
            "",
            datetime.date(2013, 5, 20),
            "612.00",
        ),
        Fleet("PH", 4, "phone", "iPhone 13", "iOS", "17.5", datetime.date(2022, 10, 3), "529.00"),
        Fleet("PR", 2, "printer", "LaserJet M507", "", "", datetime.date(2021, 2, 8), "410.00"),
    ),
    "rbkc": (
        Fleet(
            "LT",
            6,
            "laptop",
            "ThinkPad T14 Gen 4",
            "Windows 11 Enterprise",
            "24H2",
            datetime.date(2025, 1, 20),
            "1019.00",
        ),
        Fleet(
            "LT",
            3,
            "laptop",
            "Latitude E7450",
            "Windows 10 Pro",
            "21H2",
            datetime.date(2016, 3, 7),
            "880.00",
            "in_stock",
        ),
        Fleet(
            "DT",
            3,
            "desktop",
            "OptiPlex 7000",
            "Windows 11 Enterprise",
            "23H2",
            datetime.date(2023, 6, 12),
            "699.00",
        ),
        Fleet(
            "DT",
            1,
            "desktop",
            "OptiPlex 7010",
            "Windows 7 Professional",
            "",
            datetime.date(2012, 11, 5),
            "598.00",
        ),
        Fleet(
            "PH",
            3,
            "phone",
            "iPhone SE (2nd generation)",
            "iOS",
            "16.7",
            datetime.date(2020, 9, 1),
            "389.00",
        ),
    ),
    "lbhf": (
        Fleet(
            "LT",
            3,
            "laptop",
            "Latitude E7450",
            "Windows 7 Enterprise",
            "",
            datetime.date(2015, 2, 2),
            "910.00",
        ),
        Fleet(
            "SV",
            1,
            "server",
            "PowerEdge R640",
            "Windows Server 2012 R2 Standard",
            "",
            datetime.date(2017, 9, 4),
            "6200.00",
        ),
    ),
}

#: Servers and kit in the graph: (owners, asset tag, kind, model, OS, configuration item).
SERVERS = (
    (
        {"wcc": 100},
        "WCC-SRV-HOU-01",
        "server",
        "PowerEdge R750",
        "Windows Server 2022 Standard",
        "WCC housing app server 1",
    ),
    (
        {"wcc": 100},
        "WCC-SRV-HOU-02",
        "server",
        "PowerEdge R750",
        "Windows Server 2022 Standard",
        "WCC housing app server 2",
    ),
    (
        {"wcc": 50, "rbkc": 50},
        "BIB-SQL-N1",
        "server",
        "PowerEdge R640",
        "Windows Server 2012 R2 Standard",
        "Bi-borough SQL node 1",
    ),
    (
        {"wcc": 50, "rbkc": 50},
        "BIB-SQL-N2",
        "server",
        "PowerEdge R640",
        "Windows Server 2012 R2 Standard",
        "Bi-borough SQL node 2",
    ),
    (
        {"rbkc": 100},
        "RBKC-SRV-CRM-01",
        "server",
        "PowerEdge R750",
        "Windows Server 2019 Datacenter",
        "RBKC CRM server",
    ),
    (
        {"wcc": 60, "rbkc": 40},
        "BIB-DC-SW-01",
        "network",
        "Catalyst 9300",
        "",
        "Data-centre core switch",
    ),
)

#: Configuration items with no asset of their own: (owners, name, kind, description, owner).
ITEMS = (
    (
        {"wcc": 50, "rbkc": 50},
        "Bi-borough SQL Server cluster",
        "cluster",
        "SQL Server 2016 Always On cluster shared by both councils' line-of-business systems.",
        None,
    ),
    (
        {"wcc": 100},
        "Housing management system",
        "application",
        "Westminster's housing management system: tenancies, rents and repairs.",
        "wcc.lead",
    ),
    (
        {"wcc": 100},
        "Housing repairs service",
        "service",
        "Residents report and track repairs to council homes.",
        "wcc.lead",
    ),
    (
        {"wcc": 100},
        "Rent collection service",
        "service",
        "Rent accounts and payments for council tenants.",
        "wcc.lead",
    ),
    (
        {"rbkc": 100},
        "Microsoft Dynamics 365 CRM",
        "application",
        "Kensington and Chelsea's customer relationship management system.",
        "rbkc.lead",
    ),
    (
        {"rbkc": 100},
        "Customer contact service",
        "service",
        "The contact centre's case handling for residents.",
        "rbkc.lead",
    ),
)

#: (source, relationship, target)
RELATIONSHIPS = (
    ("Housing management system", "runs_on", "WCC housing app server 1"),
    ("Housing management system", "runs_on", "WCC housing app server 2"),
    ("Housing management system", "depends_on", "Bi-borough SQL Server cluster"),
    ("Housing repairs service", "depends_on", "Housing management system"),
    ("Rent collection service", "depends_on", "Housing management system"),
    ("Bi-borough SQL Server cluster", "runs_on", "Bi-borough SQL node 1"),
    ("Bi-borough SQL Server cluster", "runs_on", "Bi-borough SQL node 2"),
    ("Bi-borough SQL node 1", "connected_to", "Data-centre core switch"),
    ("Bi-borough SQL node 2", "connected_to", "Data-centre core switch"),
    ("Microsoft Dynamics 365 CRM", "runs_on", "RBKC CRM server"),
    ("Microsoft Dynamics 365 CRM", "depends_on", "Bi-borough SQL Server cluster"),
    ("Customer contact service", "depends_on", "Microsoft Dynamics 365 CRM"),
)

#: (council, kind or "" for every kind, months, note)
POLICIES = (
    ("wcc", "", 12, "Annual stock-take of end-user devices"),
    ("wcc", "server", 6, "Data-centre kit is audited twice a year"),
    ("rbkc", "", 12, "Annual stock-take"),
)


def load_demo_data(run: DemoRun) -> None:
    """The catalogue, each council's devices, the servers and services and what depends on
    what, lifecycle moves, a disposal, stock-take sightings and intervals."""
    rng = random.Random(11)
    models = _load_catalogue(run)
    people = {
        u.username: u for u in User.objects.filter(username__in=["agent", "wcc.lead", "rbkc.lead"])
    }
    agent = people.get("agent")
    for code, fleets in FLEETS.items():
        partner = run.partners.get(code)
        if partner is None:
            continue
        sites = list(
            apps.get_model("estate", "Site")
            .objects.unscoped("demo")
            .filter(partner=partner)
            .order_by("code")
        )
        number = 0
        for fleet in fleets:
            for _ in range(fleet.count):
                number += 1
                tag = f"{code.upper()}-{fleet.prefix}-{number:04d}"
                _device(run, rng, {partner: Decimal("100")}, tag, fleet, models, sites, agent)
    items: dict[str, ConfigurationItem] = {}
    for owners, tag, kind, model, os_name, item_name in SERVERS:
        shares = {run.partners[c]: Decimal(p) for c, p in owners.items() if c in run.partners}
        if len(shares) != len(owners):
            continue
        fleet = Fleet("", 1, kind, model, os_name, "", datetime.date(2019, 7, 1), "8400.00")
        box = _device(run, rng, shares, tag, fleet, models, [], agent)
        items[item_name] = _item(
            run, shares, item_name, "server" if kind == "server" else "network", "", None, box
        )
    for owners, name, kind, description, owner in ITEMS:
        shares = {run.partners[c]: Decimal(p) for c, p in owners.items() if c in run.partners}
        if len(shares) != len(owners):
            continue
        items[name] = _item(run, shares, name, kind, description, people.get(owner or ""), None)
    for source, kind, target in RELATIONSHIPS:
        if source in items and target in items:
            found = CIRelationship.objects.unscoped("demo").filter(
                source=items[source], kind=kind, target=items[target]
            )
            if not found.exists():
                CIRelationship.objects.create(source=items[source], kind=kind, target=items[target])
                run.created["configuration item relationships"] += 1
    for code, kind, months, note in POLICIES:
        partner = run.partners.get(code)
        if partner is None:
            continue
        found = StocktakePolicy.objects.unscoped("demo").filter(partner=partner, kind=kind)
        if not found.exists():
            StocktakePolicy.objects.create(
                partner=partner, kind=kind, check_every_months=months, note=note
            )
            run.created["stock-take intervals"] += 1
    _retire_and_dispose(run, agent)


def _load_catalogue(run: DemoRun) -> dict[str, HardwareModel]:
    models = {}
    for maker_name, name, kind, eol in MODELS:
        maker = Manufacturer.objects.unscoped("demo").filter(name=maker_name).first()
        if maker is None:
            maker = Manufacturer.objects.create(name=maker_name)
            run.created["manufacturers"] += 1
        model = HardwareModel.objects.unscoped("demo").filter(name=name).first()
        if model is None:
            model = HardwareModel.objects.create(
                manufacturer=maker, name=name, kind=kind, end_of_life=eol
            )
            run.created["hardware models"] += 1
        models[name] = model
    return models


def _device(
    run: DemoRun,
    rng: random.Random,
    shares: dict[Any, Decimal],
    tag: str,
    fleet: Fleet,
    models: dict[str, HardwareModel],
    sites: list[Any],
    by: Any,
) -> Asset:
    """An asset of `fleet`, created (moved to its state, seen at stock-takes) if missing."""
    found = Asset.objects.unscoped("demo").filter(asset_tag=tag).first()
    if found is not None:
        return found
    model = models[fleet.model]
    warranty = fleet.bought.replace(year=fleet.bought.year + 3)
    record = Asset.objects.create(
        kind=fleet.kind,
        asset_tag=tag,
        serial_number=f"{model.manufacturer.name[:2].upper()}{rng.randrange(10**7, 10**8)}",
        name=tag,
        hardware_model=model,
        os_name=fleet.os_name,
        os_version=fleet.os_version,
        site=rng.choice(sites) if sites else None,
        purchased_on=fleet.bought,
        purchase_cost=Decimal(fleet.cost),
        order_number=f"PO-{fleet.bought.year}-{rng.randrange(1000, 9999)}",
        supplier=rng.choice(["Softcat", "Computacenter", "XMA", "CDW UK"]),
        warranty_ends=warranty,
    )
    set_owner_shares(record, shares)
    run.created["assets"] += 1
    bought_at = timezone.make_aware(datetime.datetime.combine(fleet.bought, datetime.time(10)))
    if fleet.state != "in_stock":
        services.move(
            record, fleet.state, by, note="Issued", at=bought_at + datetime.timedelta(days=7)
        )
    left = any(getattr(p, "left_on", None) for p in shares)
    if not left:
        # Most were seen at the last stock-take; some not for a year and a half (overdue).
        days = rng.choice([20, 45, 90, 150, 200, 540])
        services.record_sighting(
            record,
            by,
            location=rng.choice(["Open-plan floor 2", "IT store", "Server room", "Desk 14"]),
            at=timezone.now() - datetime.timedelta(days=days),
        )
    return record


def _item(
    run: DemoRun,
    shares: dict[Any, Decimal],
    name: str,
    kind: str,
    description: str,
    owner: Any,
    asset: Asset | None,
) -> ConfigurationItem:
    found = ConfigurationItem.objects.unscoped("demo").filter(name=name).first()
    if found is not None:
        return found
    item = ConfigurationItem.objects.create(
        name=name, kind=kind, description=description, owner=owner, asset=asset
    )
    set_owner_shares(item, shares)
    run.created["configuration items"] += 1
    return item


def _retire_and_dispose(run: DemoRun, by: Any) -> None:
    """One Westminster desktop in repair, one retired and one disposed with its certificate."""
    rows = Asset.objects.unscoped("demo")
    repair = rows.filter(asset_tag="WCC-LT-0010", state="deployed").first()
    if repair is not None:
        services.move(repair, "in_repair", by, note="Keyboard replaced under warranty")
    retired = rows.filter(asset_tag="WCC-DT-0013", state="deployed").first()
    if retired is not None:
        services.move(retired, "retired", by, note="Windows 7: replaced")
    gone = rows.filter(asset_tag="WCC-DT-0014", state="deployed").first()
    if gone is not None:
        services.move(gone, "retired", by, note="Windows 7: replaced")
        services.move(
            gone,
            "disposed",
            by,
            disposal_method="destroyed",
            certificate_reference="WEEE-WCC-2025-0117",
            note="Disk shredded on site",
        )
        run.created["disposals"] += 1
