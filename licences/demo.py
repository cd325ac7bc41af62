"""The demo partnership's software licences: the products, the agreements each council holds
(and the enterprise agreement Westminster and Kensington and Chelsea share), seats assigned to
their people, a product both councils buy separately, and a lapsed subscription still in use.

Called by `concord demo` (core.demo.load_demo) inside its transaction, system scope and
change-log label, after the councils, people and (when installed) devices exist. Every record
is looked up by its natural key (product name, agreement reference, the agreement and person
of a seat) and created only when missing, so a second run creates nothing. Dates are set
from the day of the first run, so that renewals fall due soon after it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from core.demo import DemoRun
from core.services import set_owner_shares
from core.tenancy.models import Partner, User
from licences.choices import LicenceKind
from licences.models import LicenceAgreement, LicenceAssignment, SoftwareProduct

# (name, publisher, end-of-life product slug, description)
PRODUCTS = (
    ("Microsoft 365 E3", "Microsoft", "office", "Office apps, Exchange Online, Teams, Windows."),
    ("Windows 11 Enterprise", "Microsoft", "windows", "The desktop operating system."),
    ("Windows Server 2019 Datacenter", "Microsoft", "windows-server", "Server licences, per core."),
    ("Microsoft SQL Server 2019 Standard", "Microsoft", "mssqlserver", "Database server."),
    ("Microsoft Visio Plan 2", "Microsoft", "", "Diagrams: network and process maps."),
    ("ArcGIS Pro", "Esri", "", "Desktop GIS for planning, highways and parks."),
    ("Adobe Acrobat Pro", "Adobe", "", "Editing and signing PDFs."),
    ("Sophos Intercept X", "Sophos", "", "Endpoint protection, per device."),
    (
        "VMware vSphere Enterprise Plus",
        "Broadcom",
        "vmware-esxi",
        "The shared data centre's hosts.",
    ),
)


@dataclass(frozen=True)
class AgreementSpec:
    """A demo licence agreement: its owners' shares, and when it falls due (days from the
    first run; None: no renewal date)."""

    reference: str
    product: str
    kind: str
    quantity: int
    unit_cost: str
    supplier: str
    starts_on: datetime.date
    shares: dict[str, int]
    renews_in_days: int | None = None
    ends_on: datetime.date | None = None
    notes: str = ""


AGREEMENTS = (
    AgreementSpec(
        "BI-MS-EA-2024",
        "Microsoft 365 E3",
        LicenceKind.ENTERPRISE,
        5200,
        "289.00",
        "Bytes Software Services",
        datetime.date(2024, 7, 1),
        {"wcc": 55, "rbkc": 45},
        renews_in_days=200,
        notes="The bi-borough enterprise agreement, signed once for both councils.",
    ),
    AgreementSpec(
        "BI-VMW-2023",
        "VMware vSphere Enterprise Plus",
        LicenceKind.SUBSCRIPTION,
        48,
        "1910.00",
        "Softcat",
        datetime.date(2023, 10, 1),
        {"wcc": 50, "rbkc": 50},
        renews_in_days=45,
        notes="Per-core subscription for the shared data centre hosts.",
    ),
    AgreementSpec(
        "WCC-ESRI-2025",
        "ArcGIS Pro",
        LicenceKind.PER_USER,
        40,
        "1450.00",
        "Esri UK",
        datetime.date(2025, 4, 1),
        {"wcc": 100},
        renews_in_days=75,
    ),
    AgreementSpec(
        "RBKC-ESRI-2025",
        "ArcGIS Pro",
        LicenceKind.PER_USER,
        25,
        "1620.00",
        "Esri UK",
        datetime.date(2025, 6, 1),
        {"rbkc": 100},
        renews_in_days=140,
    ),
    AgreementSpec(
        "WCC-ACRO-2025",
        "Adobe Acrobat Pro",
        LicenceKind.SUBSCRIPTION,
        60,
        "179.88",
        "Adobe (VIP)",
        datetime.date(2025, 9, 1),
        {"wcc": 100},
        renews_in_days=270,
    ),
    AgreementSpec(
        "RBKC-ACRO-2024",
        "Adobe Acrobat Pro",
        LicenceKind.SUBSCRIPTION,
        35,
        "203.40",
        "Insight",
        datetime.date(2024, 11, 1),
        {"rbkc": 100},
        renews_in_days=30,
    ),
    AgreementSpec(
        "RBKC-VISIO-2022",
        "Microsoft Visio Plan 2",
        LicenceKind.SUBSCRIPTION,
        10,
        "156.00",
        "Bytes Software Services",
        datetime.date(2022, 4, 1),
        {"rbkc": 100},
        ends_on=datetime.date(2025, 3, 31),
        notes="Lapsed: not renewed, but the seats are still assigned (a shortfall).",
    ),
    AgreementSpec(
        "WCC-SOPHOS-2025",
        "Sophos Intercept X",
        LicenceKind.PER_DEVICE,
        1800,
        "21.50",
        "Sophos (via Softcat)",
        datetime.date(2025, 1, 1),
        {"wcc": 100},
        renews_in_days=320,
    ),
    AgreementSpec(
        "LBHF-OFFICE-2015",
        "Microsoft 365 E3",
        LicenceKind.SUBSCRIPTION,
        1500,
        "240.00",
        "Bytes Software Services",
        datetime.date(2015, 4, 1),
        {"lbhf": 100},
        ends_on=datetime.date(2018, 3, 31),
        notes="Hammersmith and Fulham's own, ended when it left the partnership.",
    ),
)

# (agreement reference, council, username, months ago the seat was assigned)
SEATS = (
    ("BI-MS-EA-2024", "wcc", "wcc.staff", 20),
    ("BI-MS-EA-2024", "wcc", "wcc.lead", 20),
    ("BI-MS-EA-2024", "wcc", "wcc.auditor", 9),
    ("BI-MS-EA-2024", "rbkc", "rbkc.staff", 18),
    ("BI-MS-EA-2024", "rbkc", "rbkc.lead", 18),
    ("WCC-ESRI-2025", "wcc", "wcc.staff", 6),
    ("WCC-ESRI-2025", "wcc", "wcc.lead", 3),
    ("RBKC-ESRI-2025", "rbkc", "rbkc.staff", 5),
    ("WCC-ACRO-2025", "wcc", "wcc.lead", 2),
    ("RBKC-ACRO-2024", "rbkc", "rbkc.lead", 11),
    ("RBKC-VISIO-2022", "rbkc", "rbkc.staff", 30),
    ("RBKC-VISIO-2022", "rbkc", "rbkc.lead", 28),
)


def _months_ago(today: datetime.date, months: int) -> datetime.date:
    index = today.year * 12 + today.month - 1 - months
    return datetime.date(index // 12, index % 12 + 1, 1)


def _load_products(run: DemoRun) -> dict[str, SoftwareProduct]:
    products = {}
    for name, publisher, eol, description in PRODUCTS:
        product, created = SoftwareProduct.objects.get_or_create(
            name=name,
            defaults={"publisher": publisher, "eol_product": eol, "description": description},
        )
        run.created["software products"] += created
        products[name] = product
    return products


def _load_agreements(
    run: DemoRun, partners: dict[str, Partner], products: dict[str, SoftwareProduct]
) -> dict[str, LicenceAgreement]:
    today = timezone.localdate()
    agreements = {}
    for spec in AGREEMENTS:
        renewal = (
            today + datetime.timedelta(days=spec.renews_in_days)
            if spec.renews_in_days is not None
            else None
        )
        agreement, created = LicenceAgreement.objects.get_or_create(
            reference=spec.reference,
            defaults={
                "product": products[spec.product],
                "kind": spec.kind,
                "quantity": spec.quantity,
                "unit_cost": Decimal(spec.unit_cost),
                "supplier": spec.supplier,
                "starts_on": spec.starts_on,
                "ends_on": spec.ends_on,
                "renewal_on": renewal,
                "notes": spec.notes,
            },
        )
        run.created["licence agreements"] += created
        if created or not agreement.owner_shares():
            set_owner_shares(
                agreement, {partners[c]: Decimal(pct) for c, pct in spec.shares.items()}
            )
        agreements[spec.reference] = agreement
    return agreements


def _load_seats(
    run: DemoRun, partners: dict[str, Partner], agreements: dict[str, LicenceAgreement]
) -> None:
    today = timezone.localdate()
    people = {u.username: u for u in User.objects.filter(username__in={s[2] for s in SEATS})}
    for reference, code, username, months in SEATS:
        person = people.get(username)
        if person is None:
            continue
        agreement = agreements[reference]
        if LicenceAssignment.objects.filter(agreement=agreement, person=person).exists():
            continue
        LicenceAssignment.objects.create(
            agreement=agreement,
            partner=partners[code],
            person=person,
            assigned_on=_months_ago(today, months),
        )
        run.created["licence assignments"] += 1


#: What inventories find on the demo's devices, by kind of device: (product, version, found
#: by). Desktops and laptops run Microsoft 365 (the enterprise agreement covers their people)
#: and, at Westminster, Sophos; every third also has ArcGIS Pro or Visio, which few have a
#: seat of: the use that makes a council short.
ON_EVERY_PC = (("Microsoft 365 E3", "16.0.17928", "Intune"),)
ON_SERVERS = (
    ("Windows Server 2019 Datacenter", "1809", "SCCM"),
    ("Microsoft SQL Server 2019 Standard", "15.0.4395", "SCCM"),
)
PC_KINDS = frozenset({"laptop", "desktop"})


def _main_owner(asset_ids: list[int]) -> dict[int, int]:
    """Each asset's council: its largest share's (the lower council id on a tie)."""
    from django.contrib.contenttypes.models import ContentType

    from assets.models import Asset
    from core.tenancy.records import OwnerShare

    kind = ContentType.objects.get_for_model(Asset)
    owners: dict[int, tuple[Decimal, int]] = {}
    rows = OwnerShare.objects.filter(content_type=kind, object_id__in=asset_ids).values_list(
        "object_id", "partner_id", "percentage"
    )
    for asset_id, partner_id, percentage in rows:
        best = owners.get(asset_id)
        if best is None or (percentage, -partner_id) > (best[0], -best[1]):
            owners[asset_id] = (percentage, partner_id)
    return {asset_id: partner_id for asset_id, (_, partner_id) in owners.items()}


def _load_installations(
    run: DemoRun,
    partners: dict[str, Partner],
    products: dict[str, SoftwareProduct],
    agreements: dict[str, LicenceAgreement],
) -> None:
    """What the inventories found on the asset register's demo devices (none when the assets
    demo made none), and Westminster's Sophos seats on half of its PCs."""
    from assets.models import Asset
    from licences.models import Installation

    # Devices an inventory has reported (an operating system recorded): not the laptops the
    # contracts demo's joint purchase received into stock, which a second run would otherwise
    # find and install on.
    devices = list(
        Asset.objects.unscoped("the demo's devices")
        .exclude(state__in=["retired", "disposed"])
        .exclude(os_name="")
        .order_by("asset_tag", "id")
    )
    owner_of = _main_owner([d.pk for d in devices])
    wcc = partners.get("wcc")
    today = timezone.localdate()
    for n, device in enumerate(devices):
        partner_id = owner_of.get(device.pk)
        if partner_id is None:
            continue
        found: list[tuple[str, str, str]] = []
        if device.kind in PC_KINDS:
            found += list(ON_EVERY_PC)
            if wcc is not None and partner_id == wcc.pk:
                found.append(("Sophos Intercept X", "2024.2", "Sophos Central"))
            if n % 3 == 0:
                found.append(("ArcGIS Pro", "3.3", "Intune"))
            if n % 3 == 1:
                found.append(("Microsoft Visio Plan 2", "16.0.17928", "Intune"))
        elif device.kind == "server":
            found += list(ON_SERVERS)
        for name, version, source in found:
            _, created = Installation.objects.get_or_create(
                device=device,
                product=products[name],
                product_version=version,
                defaults={
                    "partner_id": partner_id,
                    "detected_on": today - datetime.timedelta(days=n % 20),
                    "source": source,
                },
            )
            run.created["installations"] += created
        sophos = agreements["WCC-SOPHOS-2025"]
        if (
            wcc is not None
            and partner_id == wcc.pk
            and device.kind in PC_KINDS
            and n % 2 == 0
            and not LicenceAssignment.objects.filter(agreement=sophos, device=device).exists()
        ):
            LicenceAssignment.objects.create(
                agreement=sophos, partner=wcc, device=device, assigned_on=today
            )
            run.created["licence assignments"] += 1


def load_demo_data(run: DemoRun) -> None:
    """The demo's software products, licence agreements, seats and installations."""
    products = _load_products(run)
    agreements = _load_agreements(run, run.partners, products)
    _load_seats(run, run.partners, agreements)
    _load_installations(run, run.partners, products, agreements)
