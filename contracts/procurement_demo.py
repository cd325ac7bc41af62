"""The demo's frameworks and purchasing: the Digital Partners Framework (seven lots, a £10m
ceiling, a term to May 2023 with a two-year extension, exercised) with call-offs from
Westminster and Kensington and Chelsea, each council's purchasing threshold, and a joint
purchase of laptops by both councils, ordered, split by quantity and received into the asset
register.

Called by `contracts.demo.load_demo_data` inside `concord demo`'s transaction and system scope.
Every record is looked up by its natural key (supplier name, framework and call-off
reference, request and order reference) and made only when missing, so a second run creates
nothing. Call-offs are saved through their rules (the framework's ceiling, under its lock).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from contracts import procurement_services as services
from contracts.procurement import (
    CallOff,
    CallOffLine,
    Framework,
    FrameworkExtension,
    FrameworkLot,
    LotSupplier,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseRequest,
    PurchaseRequestLine,
    PurchasingSettings,
)
from core.demo import DemoRun
from core.services import set_audience
from core.tenancy.models import User

# (name, SME) of the framework's suppliers.
SUPPLIERS = (
    ("Perform Green", True),
    ("Codec DSS", True),
    ("Nudge Digital", True),
    ("Zoocha", True),
    ("Head Channel", True),
    ("Actica", True),
    ("Infosys", False),
    ("NetCompany", False),
    ("Version 1", False),
)

# (number, title, scope, supplier names)
LOTS = (
    (1, "Smart city technologies", "Sensors, IoT platforms and city data.", ["Perform Green"]),
    (2, "Microsoft Dynamics CRM", "Dynamics 365 implementation and support.", ["Codec DSS"]),
    (
        3,
        "User-centred design and digital delivery",
        "Discovery, alpha and beta to the Service Standard.",
        ["Nudge Digital"],
    ),
    (4, "Drupal web technologies", "Drupal sites, hosting and support.", ["Zoocha"]),
    (
        5,
        "Application development and integration",
        "Bespoke applications and integrations between line-of-business systems.",
        ["Head Channel"],
    ),
    (6, "Cyber security", "Assurance, penetration testing and incident response.", ["Actica"]),
    (
        7,
        "General",
        "Digital and technology services not in another lot.",
        [
            "Infosys",
            "NetCompany",
            "Version 1",
        ],
    ),
)

# (council, reference, lot, supplier, description, value, invoiced, start, end, status, lines)
CALL_OFFS = (
    (
        "wcc",
        "WCC-DPF-001",
        3,
        "Nudge Digital",
        "Discovery and alpha of the resident account (council tax, parking, waste).",
        "185000",
        "185000",
        datetime.date(2021, 9, 6),
        datetime.date(2022, 3, 31),
        "completed",
        [("Delivery manager", "650", "110"), ("User researcher", "600", "120")],
    ),
    (
        "wcc",
        "WCC-DPF-002",
        4,
        "Zoocha",
        "Rebuild of westminster.gov.uk on Drupal 10, with hosting and support.",
        "420000",
        "210000",
        datetime.date(2023, 10, 2),
        datetime.date(2025, 9, 30),
        "active",
        [("Technical lead", "720", "200"), ("Drupal developer", "560", "380")],
    ),
    (
        "wcc",
        "WCC-DPF-003",
        6,
        "Actica",
        "Annual penetration test and IT health check (PSN).",
        "48000",
        "24000",
        datetime.date(2024, 4, 1),
        datetime.date(2025, 3, 31),
        "active",
        [("CHECK team leader", "1100", "25"), ("CHECK team member", "900", "20")],
    ),
    (
        "rbkc",
        "RBKC-DPF-001",
        2,
        "Codec DSS",
        "Dynamics 365 for housing repairs: case management and the contractor portal.",
        "350000",
        "120000",
        datetime.date(2023, 6, 5),
        datetime.date(2025, 5, 30),
        "active",
        [("Solution architect", "850", "120"), ("Dynamics developer", "650", "300")],
    ),
    (
        "rbkc",
        "RBKC-DPF-002",
        7,
        "Version 1",
        "A data platform for adult social care and children's services reporting.",
        "275000",
        "60000",
        datetime.date(2024, 1, 8),
        datetime.date(2025, 4, 30),
        "active",
        [("Data engineer", "700", "250"), ("Data architect", "900", "80")],
    ),
    (
        "rbkc",
        "RBKC-DPF-003",
        1,
        "Perform Green",
        "Air quality and footfall sensors on the Portobello Road corridor.",
        "90000",
        "90000",
        datetime.date(2022, 2, 1),
        datetime.date(2022, 12, 23),
        "completed",
        [("IoT engineer", "620", "90")],
    ),
)


def _supplier(run: DemoRun, name: str, is_sme: bool) -> Any:
    from contracts.models import Supplier

    found = Supplier.objects.unscoped("demo").filter(name=name).first()
    if found is None:
        found = Supplier.objects.create(name=name, is_sme=is_sme)
        run.created["suppliers"] += 1
    return found


def _person(code: str, role: str) -> Any:
    return User.objects.filter(username=f"{code}.{role}").first()


def _framework(run: DemoRun) -> tuple[Framework, dict[int, FrameworkLot]]:
    framework = Framework.objects.unscoped("demo").filter(reference="DPF").first()
    if framework is None:
        framework = Framework.objects.create(
            reference="DPF",
            name="Digital Partners Framework",
            description=(
                "The councils' framework for digital and technology services: seven lots, "
                "called off by each council directly."
            ),
            ceiling_value=Decimal("10000000"),
            start_date=datetime.date(2019, 6, 1),
            term_months=48,
        )
        set_audience(framework, [run.partners["wcc"], run.partners["rbkc"]])
        FrameworkExtension.objects.create(
            framework=framework,
            sequence=1,
            months=24,
            exercised=True,
            exercised_on=datetime.date(2023, 2, 15),
            note="Extended to May 2025 by the joint committee",
        )
        run.created["frameworks"] += 1
    suppliers = {name: _supplier(run, name, sme) for name, sme in SUPPLIERS}
    lots: dict[int, FrameworkLot] = {}
    for number, title, scope, names in LOTS:
        lot = (
            FrameworkLot.objects.unscoped("demo").filter(framework=framework, number=number).first()
        )
        if lot is None:
            lot = FrameworkLot.objects.create(
                framework=framework, number=number, title=title, scope=scope
            )
            for n, name in enumerate(names, 1):
                LotSupplier.objects.create(
                    lot=lot,
                    supplier=suppliers[name],
                    appointment_reference=f"DPF-L{number}-{n:02d}",
                )
            run.created["framework lots"] += 1
        lots[number] = lot
    return framework, lots


def _call_offs(run: DemoRun, lots: dict[int, FrameworkLot]) -> None:
    from contracts.models import Supplier

    for code, ref, lot, name, what, value, invoiced, start, end, status, lines in CALL_OFFS:
        partner = run.partners[code]
        if CallOff.objects.unscoped("demo").filter(partner=partner, reference=ref).exists():
            continue
        call_off = CallOff(
            partner=partner,
            reference=ref,
            lot=lots[lot],
            supplier=Supplier.objects.unscoped("demo").get(name=name),
            description=what,
            value=Decimal(value),
            invoiced=Decimal(invoiced),
            start_date=start,
            end_date=end,
            status=status,
        )
        call_off.full_clean()
        call_off.save()
        for role, rate, days in lines:
            CallOffLine.objects.create(
                call_off=call_off, role=role, day_rate=Decimal(rate), days=Decimal(days)
            )
        run.created["call-offs"] += 1


def _settings(run: DemoRun) -> None:
    for code, threshold in (("wcc", "5000"), ("rbkc", "2500")):
        partner = run.partners[code]
        if PurchasingSettings.objects.unscoped("demo").filter(partner=partner).exists():
            continue
        PurchasingSettings.objects.create(
            partner=partner,
            applies_from=datetime.date(2024, 4, 1),
            approval_threshold=Decimal(threshold),
            note="Set by the council's scheme of delegation",
        )


def _joint_laptops(run: DemoRun) -> None:
    reference = "PO-2025-JOINT-01"
    if PurchaseOrder.objects.unscoped("demo").filter(reference=reference).exists():
        return
    requests = []
    for code, quantity in (("wcc", 30), ("rbkc", 20)):
        partner = run.partners[code]
        requester = _person(code, "staff") or _person(code, "lead")
        lead = _person(code, "lead")
        if requester is None or lead is None:
            return
        request = PurchaseRequest.objects.create(
            partner=partner,
            reference=f"{code.upper()}-PR-2025-014",
            title="Laptops for the Windows 11 refresh",
            requester=requester,
        )
        PurchaseRequestLine.objects.create(
            request=request,
            description="Dell Latitude 5450 laptop",
            quantity=quantity,
            unit_price=Decimal("849.99"),
            is_hardware=True,
            asset_kind="laptop",
        )
        PurchaseRequestLine.objects.create(
            request=request,
            description="USB-C docking station",
            quantity=quantity,
            unit_price=Decimal("129.50"),
        )
        request.refresh_from_db()
        services.submit_request(request, requester)
        request.refresh_from_db()
        if request.status == "awaiting_approval":
            services.decide_request(request, lead, approve=True)
        requests.append(request)
        run.created["purchase requests"] += 1
    dell = _supplier(run, "Dell Technologies", False)
    order = services.raise_order(
        requests, reference, dell, datetime.date(2025, 3, 3), notes="Joint purchase"
    )
    run.created["purchase orders"] += 1
    for line in PurchaseOrderLine.objects.unscoped("demo").filter(order=order).order_by("id"):
        run.created["assets"] += len(
            services.receive(line, line.quantity, datetime.date(2025, 3, 24))
        )


def load_procurement_demo(run: DemoRun) -> None:
    """The demo's frameworks, call-offs, purchasing settings and joint laptop purchase."""
    if "wcc" not in run.partners or "rbkc" not in run.partners:
        return
    _, lots = _framework(run)
    _call_offs(run, lots)
    _settings(run)
    _joint_laptops(run)
