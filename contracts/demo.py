"""The demo partnership's suppliers and contracts: BT for networks and telephony, Microsoft,
Agilisys and Capita Secure Information Systems; contracts held by one council and jointly; an
outsourced ICT contract in its exit period with its closedown plan; KPIs with some months red,
and a service credit.

Called by `concord demo` (core.demo.load_demo) inside its transaction, system scope and
change-log label, after the councils and people exist. Every record is looked up by its
natural key (supplier name, contract reference, a contract's KPI name, a plan's milestone
title) and created only when missing, so a second run creates nothing. The outsourced
contract's dates are set from the day of the first run, so that it is in its exit period
whenever the demo is loaded; the others' are fixed, and their dates as of the day follow.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone

from contracts import services
from contracts.models import (
    Contract,
    ContractExtension,
    ContractSettings,
    ExitMilestone,
    ExitPlan,
    Kpi,
    KpiMeasure,
    ServiceCredit,
    Supplier,
    SupplierContact,
)
from core.demo import DemoRun
from core.services import set_owner_shares
from core.tenancy.models import User

# (name, Companies House number, SME, address, postcode, website, contact, contact's role)
SUPPLIERS = (
    (
        "British Telecommunications plc",
        "01800000",
        False,
        "1 Braham Street, London",
        "E1 8EE",
        "https://www.bt.com",
        "Networks account team",
        "Public sector account manager",
    ),
    (
        "Microsoft Limited",
        "",
        False,
        "Microsoft Campus, Thames Valley Park, Reading",
        "RG6 1WG",
        "https://www.microsoft.com",
        "Licensing desk",
        "Enterprise agreement manager",
    ),
    (
        "Agilisys Limited",
        "",
        False,
        "Scale Space, 58 Wood Lane, London",
        "W12 7RZ",
        "https://www.agilisys.co.uk",
        "Service delivery manager",
        "Service delivery manager",
    ),
    (
        "Capita Secure Information Systems Limited",
        "",
        False,
        "65 Gresham Street, London",
        "EC2V 7NQ",
        "https://www.capita.com",
        "Support desk",
        "Customer support",
    ),
)


@dataclass(frozen=True)
class ContractSpec:
    reference: str
    title: str
    supplier: str
    shares: dict[str, int]
    owner: str
    start: datetime.date
    months: int
    notice_months: int
    annual_value: str
    route: str
    cpv: tuple[str, ...]
    renewal: str = "none"
    renewal_period_months: int | None = None
    department: str = "Digital and ICT"
    description: str = ""
    # (sequence, months, exercised)
    options: tuple[tuple[int, int, bool], ...] = ()
    # (name, unit, target, higher is better, amber margin, monthly values, oldest first)
    kpis: tuple[tuple[str, str, str, bool, str, tuple[str, ...]], ...] = field(default=())


FIXED = (
    ContractSpec(
        "WCC-NET-2022",
        "Wide area network, internet and telephony",
        "British Telecommunications plc",
        {"wcc": 100},
        "wcc.lead",
        datetime.date(2022, 4, 1),
        60,
        6,
        "850000.00",
        "framework_call_off",
        ("64200000-8", "32412000-4"),
        renewal="tacit",
        renewal_period_months=12,
        description="The council's WAN links, internet breakout and SIP telephony.",
        kpis=(
            (
                "Network availability",
                "%",
                "99.90",
                True,
                "0.10",
                (
                    "99.95",
                    "99.93",
                    "99.71",
                    "99.91",
                    "99.96",
                    "99.84",
                    "99.92",
                    "99.99",
                    "99.62",
                    "99.94",
                    "99.90",
                    "99.97",
                ),
            ),
            (
                "Faults fixed within 5 hours",
                "%",
                "95.00",
                True,
                "3.00",
                (
                    "96.1",
                    "95.4",
                    "91.0",
                    "94.2",
                    "97.3",
                    "95.0",
                    "96.8",
                    "92.5",
                    "88.9",
                    "95.5",
                    "96.0",
                    "97.1",
                ),
            ),
        ),
    ),
    ContractSpec(
        "BI-MS-EA-2024",
        "Microsoft enterprise agreement",
        "Microsoft Limited",
        {"wcc": 55, "rbkc": 45},
        "wcc.lead",
        datetime.date(2024, 7, 1),
        36,
        3,
        "1502800.00",
        "framework_call_off",
        ("48000000-8",),
        description="Microsoft 365 E3 for both councils, signed once for the partnership.",
        options=((1, 12, False), (2, 12, False)),
    ),
    ContractSpec(
        "BI-CSIS-2023",
        "Secure information systems: support and maintenance",
        "Capita Secure Information Systems Limited",
        {"wcc": 50, "rbkc": 50},
        "rbkc.lead",
        datetime.date(2023, 10, 1),
        36,
        3,
        "126000.00",
        "direct_award",
        ("72253000-3", "48311000-1"),
        renewal="tacit",
        renewal_period_months=12,
        kpis=(
            (
                "Priority 1 calls resolved in 4 hours",
                "%",
                "98.00",
                True,
                "2.00",
                (
                    "99.0",
                    "98.5",
                    "97.2",
                    "98.1",
                    "99.3",
                    "94.0",
                    "98.4",
                    "98.0",
                    "96.9",
                    "99.1",
                    "98.6",
                    "95.2",
                ),
            ),
        ),
    ),
)

OUTSOURCED = "RBKC-ICT-2017"

# (kind, title, owner, months from the run (negative: before), RAG, done)
CLOSEDOWN = (
    (
        "staff_consultation",
        "TUPE consultation with transferring staff",
        "rbkc.lead",
        -2,
        "green",
        True,
    ),
    (
        "data_return",
        "Return of the council's data and its deletion certificate",
        "rbkc.lead",
        3,
        "amber",
        False,
    ),
    (
        "asset_transfer",
        "Transfer of end-user devices and the asset register",
        "rbkc.lead",
        5,
        "green",
        False,
    ),
    (
        "knowledge_transfer",
        "Knowledge transfer: runbooks and service documentation",
        "rbkc.lead",
        1,
        "red",
        False,
    ),
    (
        "successor_start",
        "Shared service takes over the service desk and infrastructure",
        "manager",
        8,
        "green",
        False,
    ),
)


def _supplier(run: DemoRun, spec: tuple[Any, ...]) -> Supplier:
    name, number, sme, address, postcode, website, contact, role = spec
    supplier, created = Supplier.objects.get_or_create(
        name=name,
        defaults={
            "companies_house_number": number,
            "is_sme": sme,
            "address": address,
            "postcode": postcode,
            "website": website,
        },
    )
    run.created["suppliers"] += created
    _, made = SupplierContact.objects.get_or_create(
        supplier=supplier, name=contact, defaults={"role": role}
    )
    run.created["supplier contacts"] += made
    return supplier


def _contract(
    run: DemoRun, spec: ContractSpec, suppliers: dict[str, Supplier], people: dict[str, Any]
) -> Contract:
    found = Contract.objects.filter(reference=spec.reference).first()
    if found is not None:
        return found
    contract = Contract.objects.create(
        reference=spec.reference,
        title=spec.title,
        description=spec.description,
        supplier=suppliers[spec.supplier],
        department=spec.department,
        owner=people.get(spec.owner),
        annual_value=Decimal(spec.annual_value),
        total_value=Decimal(spec.annual_value) * spec.months / 12,
        irrecoverable_vat=Decimal("0.00"),
        start_date=spec.start,
        initial_term_months=spec.months,
        notice_months=spec.notice_months,
        renewal=spec.renewal,
        renewal_period_months=spec.renewal_period_months,
        procurement_route=spec.route,
        cpv_codes=list(spec.cpv),
        status="active",
    )
    set_owner_shares(contract, {run.partners[c]: Decimal(p) for c, p in spec.shares.items()})
    run.created["contracts"] += 1
    for sequence, months, exercised in spec.options:
        ContractExtension.objects.create(
            contract=contract, sequence=sequence, months=months, exercised=exercised
        )
        run.created["extension options"] += 1
    return contract


def _kpis(run: DemoRun, contract: Contract, spec: ContractSpec, today: datetime.date) -> None:
    first = services.add_months(today.replace(day=1), -len(spec.kpis[0][5]) if spec.kpis else 0)
    for name, unit, target, higher, margin, values in spec.kpis:
        kpi, created = Kpi.objects.get_or_create(
            contract=contract,
            name=name,
            defaults={
                "unit": unit,
                "target": Decimal(target),
                "higher_is_better": higher,
                "amber_margin": Decimal(margin),
            },
        )
        run.created["KPIs"] += created
        if not created:
            continue
        for n, value in enumerate(values):
            KpiMeasure.objects.create(
                kpi=kpi, month=services.add_months(first, n), value=Decimal(value)
            )
            run.created["KPI measures"] += 1
        red = [
            services.add_months(first, n)
            for n, value in enumerate(values)
            if kpi.rag_for(Decimal(value)) == "red"
        ]
        for month in red[:2]:
            ServiceCredit.objects.create(
                contract=contract,
                kpi=kpi,
                month=month,
                amount=(Decimal(contract.annual_value or 0) / 12 * Decimal("0.02")).quantize(
                    Decimal("0.01")
                ),
                reason=f"{name} below target",
            )
            run.created["service credits"] += 1


def _outsourced(
    run: DemoRun, suppliers: dict[str, Supplier], people: dict[str, Any], today: datetime.date
) -> None:
    """Kensington and Chelsea's outsourced ICT contract with Agilisys: seven years and a
    one-year extension exercised, notice given, ending about nine months after the demo is
    first loaded, with its closedown plan."""
    if Contract.objects.filter(reference=OUTSOURCED).exists():
        return
    month = today.replace(day=1)
    start = services.add_months(month, -87)
    spec = ContractSpec(
        OUTSOURCED,
        "Outsourced ICT service: service desk, infrastructure and applications support",
        "Agilisys Limited",
        {"rbkc": 100},
        "rbkc.lead",
        start,
        84,
        6,
        "4200000.00",
        "tender",
        ("72000000-5", "72253000-3", "72500000-0"),
        description="The council's ICT, run by Agilisys since the contract began; coming back "
        "to the shared service at its end.",
    )
    contract = _contract(run, spec, suppliers, people)
    ContractExtension.objects.create(
        contract=contract,
        sequence=1,
        months=12,
        exercised=True,
        exercised_on=services.add_months(start, 78),
    )
    ContractExtension.objects.create(contract=contract, sequence=2, months=12)
    run.created["extension options"] += 2
    contract = Contract.objects.get(pk=contract.pk)
    services.give_notice(contract, services.add_months(month, -2))
    plan = ExitPlan.objects.create(
        contract=contract,
        owner=people.get("rbkc.lead"),
        successor="The shared service (in-house)",
        summary="Closedown of the outsourced service: data back, devices and knowledge "
        "transferred, staff consulted, and the shared service live on the day after the end.",
    )
    run.created["exit plans"] += 1
    for kind, title, owner, months, rag, done in CLOSEDOWN:
        due = services.add_months(month, months)
        ExitMilestone.objects.create(
            plan=plan,
            kind=kind,
            title=title,
            owner=people.get(owner),
            due_date=due,
            rag=rag,
            done_on=due if done else None,
        )
        run.created["exit milestones"] += 1


def load_demo_data(run: DemoRun) -> None:
    """The demo's suppliers, contracts, KPIs and the outsourced contract's closedown."""
    if not run.partners:
        return
    today = timezone.localdate()
    people = {
        u.username: u
        for u in User.objects.filter(username__in=["wcc.lead", "rbkc.lead", "manager"])
    }
    suppliers = {spec[0]: _supplier(run, spec) for spec in SUPPLIERS}
    for code, prefix in (("wcc", "ocds-b5fd17-wcc"), ("rbkc", "ocds-b5fd17-rbkc")):
        partner = run.partners.get(code)
        if partner is not None and not ContractSettings.objects.filter(partner=partner).exists():
            ContractSettings.objects.create(partner=partner, ocid_prefix=prefix)
            run.created["contracts settings"] += 1
    for spec in FIXED:
        contract = _contract(run, spec, suppliers, people)
        if spec.kpis:
            _kpis(run, contract, spec, today)
    _outsourced(run, suppliers, people, today)
    # Frameworks, call-offs and purchasing: contracts/procurement_demo.py
    from contracts.procurement_demo import load_procurement_demo

    load_procurement_demo(run)
