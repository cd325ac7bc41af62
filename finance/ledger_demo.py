"""The finance demo's ledger part (called by finance/demo.py; docs/finance.md#demo).

Two financial years (this one and last) for Westminster and Kensington and Chelsea: their
IT cost centres and ledger codes, revenue and capital budgets (this year's revenue budget
revised in-year), a month of costs for every month so far (the shared service's staff split
50/50, the Microsoft enterprise agreement 55/45, the Capita secure information systems
contract by tickets logged, hardware support by a mix of devices (60%) and licence seats
(40%), and each council's own call-off invoices), each linked to the contract or call-off it
comes from where the demo has one; entered headcount figures and measured ones (tickets,
devices, seats, staff time) for every month so far.

Everything is looked up by its natural key first, so a second `concord demo` creates nothing.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from core.context import dated
from core.demo import DemoRun
from core.services import set_audience
from finance.choices import ApportionmentMethod, CostCategory, Driver, FigureSource, SpendType
from finance.drivers import measure_period
from finance.models.ledger import (
    ApportionmentRule,
    Budget,
    CostCentre,
    CostLine,
    DriverFigure,
    FinancialYear,
    LedgerCode,
    RuleComponent,
    RuleShare,
)
from finance.services import revise_budget

#: Each council's cost centres: (code, name).
CENTRES = {
    "wcc": (("400", "Information Systems and Telephony"), ("410", "Digital Services")),
    "rbkc": (("IT100", "ICT Shared Service"), ("IT200", "Digital and Data")),
}
#: Each council's account codes by category (revenue; capital is the code with a C).
ACCOUNTS = {
    CostCategory.STAFF: "4010",
    CostCategory.CONTRACT: "4420",
    CostCategory.LICENCE: "4510",
    CostCategory.HARDWARE: "4610",
    CostCategory.CALL_OFF: "4430",
    CostCategory.OTHER: "4990",
}
#: Revenue budgets of each council's first and second cost centre, for last year; this
#: year's are 3% more, and the first is revised in-year.
BUDGETS = {"wcc": ("2150000", "640000"), "rbkc": ("1890000", "510000")}
CAPITAL = {"wcc": "300000", "rbkc": "250000"}
#: Headcount each council's IT serves (entered by its finance officer each month).
HEADCOUNT = {"wcc": Decimal("2150"), "rbkc": Decimal("1860")}


def _centres(run: DemoRun) -> dict[str, list[CostCentre]]:
    found: dict[str, list[CostCentre]] = {}
    for code, specs in CENTRES.items():
        partner = run.partners[code]
        found[code] = []
        for centre_code, name in specs:
            centre = CostCentre.objects.filter(partner=partner, code=centre_code).first()
            if centre is None:
                centre = CostCentre.objects.create(partner=partner, code=centre_code, name=name)
                run.created["cost centres"] += 1
            found[code].append(centre)
    return found


def _ledger_codes(run: DemoRun, centres: dict[str, list[CostCentre]]) -> None:
    for code, own in centres.items():
        partner = run.partners[code]
        for category, account in ACCOUNTS.items():
            for spend_type in SpendType.values:
                if LedgerCode.objects.filter(
                    partner=partner, category=category, spend_type=spend_type
                ).exists():
                    continue
                LedgerCode.objects.create(
                    partner=partner,
                    category=category,
                    spend_type=spend_type,
                    cost_centre=own[0],
                    account_code=account if spend_type == SpendType.REVENUE else f"C{account}",
                )
                run.created["ledger codes"] += 1


def _budget(
    run: DemoRun, centre: CostCentre, year: FinancialYear, spend_type: str, amount: Decimal
) -> Budget | None:
    """The budget, made with its original revision if missing (None when it existed)."""
    if Budget.objects.filter(cost_centre=centre, year=year, spend_type=spend_type).exists():
        return None
    budget = Budget(
        partner=centre.partner, year=year, cost_centre=centre, spend_type=spend_type, amount=amount
    )
    budget.revision_reason = "Original budget, agreed at budget council"
    budget.revision_on = year.starts_on - datetime.timedelta(days=30)
    budget.save()  # with its original revision
    run.created["budgets"] += 1
    return budget


def _budgets(
    run: DemoRun, centres: dict[str, list[CostCentre]], years: list[FinancialYear], today: Any
) -> None:
    last, this = years
    for code, (first, second) in BUDGETS.items():
        own = centres[code]
        for year, uplift in ((last, Decimal("1")), (this, Decimal("1.03"))):
            for centre, base in zip(own, (first, second), strict=True):
                amount = (Decimal(base) * uplift).quantize(Decimal("1"))
                made = _budget(run, centre, year, SpendType.REVENUE, amount)
                if made is not None and year is this and centre is own[0]:
                    # In-year growth for the data centre move, agreed at cabinet.
                    on = min(today, year.starts_on + datetime.timedelta(days=120))
                    revise_budget(made, amount + Decimal("85000"), "Growth: data centre move", on)
                    run.created["budget revisions"] += 1
            _budget(run, own[0], year, SpendType.CAPITAL, Decimal(CAPITAL[code]))


def _rule(
    run: DemoRun,
    name: str,
    method: str,
    category: str,
    valid_from: datetime.date,
    shares: dict[str, str] | None = None,
    drivers: dict[str, str] | None = None,
    description: str = "",
) -> ApportionmentRule:
    rule = ApportionmentRule.objects.filter(name=name).first()
    if rule is not None:
        return rule
    rule = ApportionmentRule.objects.create(
        name=name,
        method=method,
        category=category,
        valid_from=valid_from,
        description=description,
    )
    for code, percent in (shares or {}).items():
        RuleShare.objects.create(rule=rule, partner=run.partners[code], percent=Decimal(percent))
    for driver, weight in (drivers or {}).items():
        RuleComponent.objects.create(rule=rule, driver=driver, weight=Decimal(weight))
    run.created["apportionment rules"] += 1
    return rule


def _rules(run: DemoRun, start: datetime.date) -> None:
    agreed = "Agreed by the bi-borough joint committee"
    _rule(
        run,
        "Shared staff 50/50",
        ApportionmentMethod.FIXED,
        CostCategory.STAFF,
        start,
        shares={"wcc": "50", "rbkc": "50"},
        description=f"{agreed}: the shared service's staff are split equally.",
    )
    _rule(
        run,
        "Licences 55/45",
        ApportionmentMethod.FIXED,
        CostCategory.LICENCE,
        start,
        shares={"wcc": "55", "rbkc": "45"},
        description=f"{agreed}: as the enterprise agreement's seats were bought.",
    )
    _rule(
        run,
        "Support contracts by tickets",
        ApportionmentMethod.DRIVER,
        CostCategory.CONTRACT,
        start,
        drivers={Driver.TICKETS: "100"},
        description=f"{agreed}: support contracts follow the tickets each council logs.",
    )
    _rule(
        run,
        "Hardware: devices 60, seats 40",
        ApportionmentMethod.MIX,
        CostCategory.HARDWARE,
        start,
        drivers={Driver.DEVICES: "60", Driver.LICENCE_SEATS: "40"},
        description=f"{agreed}: hardware support by devices managed and licence seats used.",
    )


def _source(model: Any, reference: str) -> Any:
    """The demo's record of `model` with `reference`, or None where the demo has none."""
    return model.objects.filter(reference=reference).first()


def _months(
    first: datetime.date, today: datetime.date
) -> list[tuple[datetime.date, datetime.date]]:
    """Each whole month from `first` to the month before `today`'s: (first day, last day)."""
    months: list[tuple[datetime.date, datetime.date]] = []
    start = first
    while True:
        end = (start + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
        if end >= today:
            return months
        months.append((start, end))
        start = end + datetime.timedelta(days=1)


def _cost(
    run: DemoRun,
    reference: str,
    councils: list[Any],
    *,
    for_all: bool = False,
    month: tuple[datetime.date, datetime.date],
    source: Any = None,
    **fields: Any,
) -> None:
    if CostLine.objects.filter(reference=reference).exists():
        return
    moment = timezone.make_aware(datetime.datetime.combine(month[1], datetime.time(17, 0)))
    with dated(min(moment, timezone.now())):
        line = CostLine(
            reference=reference,
            incurred_on=month[1],
            period_start=month[0],
            period_end=month[1],
            for_all_councils=for_all,
            **fields,
        )
        if source is not None:
            line.source_type = ContentType.objects.get_for_model(source)
            line.source_id = source.pk
        line.full_clean()
        line.save()
        set_audience(line, councils)
    run.created["cost lines"] += 1


def _costs(
    run: DemoRun, centres: dict[str, list[CostCentre]], first: datetime.date, today: Any
) -> None:
    from contracts.models import Contract, Supplier
    from contracts.procurement import CallOff

    wcc, rbkc = run.partners["wcc"], run.partners["rbkc"]
    microsoft = Supplier.objects.filter(name="Microsoft Limited").first()
    capita = Supplier.objects.filter(name="Capita Secure Information Systems Limited").first()
    ea = _source(Contract, "BI-MS-EA-2024")
    csis = _source(Contract, "BI-CSIS-2023")
    health_check = _source(CallOff, "WCC-DPF-003")
    housing = _source(CallOff, "RBKC-DPF-001")
    for n, month in enumerate(_months(first, today)):
        tag = f"{month[0]:%Y-%m}"
        _cost(
            run,
            f"JNL-STAFF-{tag}",
            [],
            for_all=True,
            month=month,
            is_shared=True,
            description=f"Shared service staff, {month[0]:%B %Y}",
            amount=Decimal("184250.00") + Decimal(n % 3) * Decimal("1250.00"),
            category=CostCategory.STAFF,
        )
        _cost(
            run,
            f"INV-MSEA-{tag}",
            [wcc, rbkc],
            month=month,
            source=ea,
            is_shared=True,
            description=f"Microsoft enterprise agreement, {month[0]:%B %Y}",
            amount=Decimal("41744.44"),
            category=CostCategory.LICENCE,
            supplier=microsoft,
        )
        _cost(
            run,
            f"INV-CSIS-{tag}",
            [wcc, rbkc],
            month=month,
            source=csis,
            is_shared=True,
            description=f"Secure information systems support, {month[0]:%B %Y}",
            amount=Decimal("23611.11"),
            category=CostCategory.CONTRACT,
            supplier=capita,
        )
        _cost(
            run,
            f"INV-HWS-{tag}",
            [wcc, rbkc],
            month=month,
            is_shared=True,
            description=f"Hardware support and spares, {month[0]:%B %Y}",
            amount=Decimal("9875.00") + Decimal(n % 4) * Decimal("415.50"),
            category=CostCategory.HARDWARE,
        )
        if month[0].month in (6, 12):
            # The half-yearly invoices of each council's own call-offs.
            _cost(
                run,
                f"INV-WCC-DPF-003-{tag}",
                [wcc],
                month=month,
                source=health_check,
                description=f"IT health check (PSN), {month[0]:%B %Y}",
                amount=Decimal("12000.00"),
                category=CostCategory.CALL_OFF,
                cost_centre=centres["wcc"][0],
            )
            _cost(
                run,
                f"INV-RBKC-DPF-001-{tag}",
                [rbkc],
                month=month,
                source=housing,
                description=f"Housing repairs on Dynamics 365, {month[0]:%B %Y}",
                amount=Decimal("30000.00"),
                category=CostCategory.CALL_OFF,
                cost_centre=centres["rbkc"][1],
            )
        if month[0].month == 9:
            _cost(
                run,
                f"INV-WCC-LAPTOPS-{tag}",
                [wcc],
                month=month,
                description=f"Laptop refresh, {month[0]:%B %Y}",
                amount=Decimal("86400.00"),
                category=CostCategory.HARDWARE,
                spend_type=SpendType.CAPITAL,
                cost_centre=centres["wcc"][0],
            )


def _figures(run: DemoRun, first: datetime.date, today: Any) -> None:
    for n, (start, end) in enumerate(_months(first, today)):
        for code, headcount in HEADCOUNT.items():
            partner = run.partners[code]
            if DriverFigure.objects.filter(
                partner=partner,
                driver=Driver.HEADCOUNT,
                period_start=start,
                period_end=end,
            ).exists():
                continue
            DriverFigure.objects.create(
                partner=partner,
                driver=Driver.HEADCOUNT,
                period_start=start,
                period_end=end,
                value=headcount + Decimal(5 * (n % 4)),
                source=FigureSource.ENTERED,
                note="HR establishment report",
            )
            run.created["driver figures"] += 1
        run.created["driver figures"] += len(measure_period(start, end))
        _tickets_before_concord(run, start, end)


def _tickets_before_concord(run: DemoRun, start: datetime.date, end: datetime.date) -> None:
    """A month the demo's desk history does not reach (it covers the last months only) has
    its tickets entered, as the figures of the desk the service used before, so that the
    tickets rule splits that month's costs: about one ticket a month for every ten people."""
    measured = DriverFigure.objects.filter(
        driver=Driver.TICKETS, period_start=start, period_end=end, value__gt=0
    )
    if measured.exists():
        return
    for code, headcount in HEADCOUNT.items():
        partner = run.partners[code]
        figure, made = DriverFigure.objects.get_or_create(
            partner=partner,
            driver=Driver.TICKETS,
            period_start=start,
            period_end=end,
            defaults={
                "value": (headcount / 10).quantize(Decimal("1")),
                "source": FigureSource.ENTERED,
                "note": "The previous service desk's monthly report",
            },
        )
        if made:
            run.created["driver figures"] += 1
        elif figure.source == FigureSource.MEASURED and figure.value == 0:
            figure.value = (headcount / 10).quantize(Decimal("1"))
            figure.source = FigureSource.ENTERED
            figure.note = "The previous service desk's monthly report"
            figure.save()


def load_ledger_demo(run: DemoRun) -> None:
    """Years, cost centres, ledger codes, budgets, rules, costs and driver figures."""
    if not {"wcc", "rbkc"} <= set(run.partners):
        return
    today = timezone.localdate()
    this = FinancialYear.year_of(today)
    last = FinancialYear.year_of(this.starts_on - datetime.timedelta(days=1))
    centres = _centres(run)
    _ledger_codes(run, centres)
    _budgets(run, centres, [last, this], today)
    _rules(run, last.starts_on)
    _costs(run, centres, last.starts_on, today)
    _figures(run, last.starts_on, today)
