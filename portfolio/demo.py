"""The portfolio demo story (docs/portfolio.md#demo): the bi-borough's joint programmes.

Westminster and Kensington and Chelsea run two joint programmes, co-owned half and half: the
joint infrastructure programme (the move to a shared data centre, then the Microsoft 365
migration, which waits for it) and the re-procurement of the outsourced ICT contract
(contracts/demo.py's RBKC-ICT-2017, with its exit plan). Each project has milestones, a year
of monthly reports whose RAG changes, risks and issues; the projects are linked to the
contract, its exit plan, the shared-service business case (finance/savings_demo.py) and the
cost lines they spend (finance/ledger_demo.py). Two change freezes lie over the roadmap.

Called by `concord demo` (core.demo.load_demo) inside its transaction, system scope and
change-log label, after the councils, people, contracts and money exist. Every record is
looked up by its natural key (reference, a project's milestone or risk by its name, a report
by its month, a freeze by its name) and made only when missing, so a second run creates
nothing. Dates are set from the day of the first run.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from core.context import dated
from core.demo import DemoRun
from core.services import set_audience, set_owner_shares
from core.tenancy.models import User
from portfolio.models import (
    Milestone,
    Programme,
    Project,
    ProjectDependency,
    ProjectIssue,
    ProjectLink,
    ProjectReport,
    Risk,
)

JOINT = {"wcc": Decimal("50"), "rbkc": Decimal("50")}

PROGRAMMES = (
    # reference, name, description, stage, months from the run (start, end), sponsor, manager
    (
        "BB-INFRA",
        "Bi-borough joint infrastructure",
        "One data centre and one Microsoft 365 tenancy for both councils.",
        "in_delivery",
        (-12, 15),
        "wcc.lead",
        "manager",
    ),
    (
        "BB-SOURCING",
        "Bi-borough ICT sourcing",
        "Replacing the outsourced ICT contract before it ends.",
        "in_delivery",
        (-10, 9),
        "rbkc.lead",
        "manager",
    ),
)

PROJECTS = (
    # reference, name, programme, months (start, end), budget, sponsor
    (
        "BB-DC-01",
        "Shared data centre move",
        "BB-INFRA",
        (-12, 4),
        Decimal("850000"),
        "wcc.lead",
    ),
    (
        "BB-M365-01",
        "Microsoft 365 migration",
        "BB-INFRA",
        (-6, 15),
        Decimal("1200000"),
        "rbkc.lead",
    ),
    (
        "BB-ICT-RP",
        "Re-procurement of the outsourced ICT contract",
        "BB-SOURCING",
        (-10, 9),
        Decimal("400000"),
        "rbkc.lead",
    ),
)

# project, name, months from the run, done (months from the run) or None, shown to councils
MILESTONES = (
    ("BB-DC-01", "Power and cooling survey signed off", -10, -10, True),
    ("BB-DC-01", "New racks installed", -6, -5, True),
    ("BB-DC-01", "First wave of servers moved", -2, -2, True),
    ("BB-DC-01", "Last wave moved; old data centre empty", 3, None, True),
    ("BB-DC-01", "Team rehearsal of the cut-over", 1, None, False),
    ("BB-M365-01", "Tenancy design agreed", -4, -4, True),
    ("BB-M365-01", "Pilot mailboxes moved", 2, None, True),
    ("BB-M365-01", "All mailboxes moved", 8, None, True),
    ("BB-M365-01", "File shares moved to SharePoint", 14, None, True),
    ("BB-ICT-RP", "Options appraisal approved", -8, -8, True),
    ("BB-ICT-RP", "Tender published", -3, -3, True),
    ("BB-ICT-RP", "Contract award", 2, None, True),
    ("BB-ICT-RP", "Service transition complete", 8, None, True),
)

# A year of RAG per project, oldest first: (scope, time, cost, risk, narrative)
G, A, R = "green", "amber", "red"
HISTORY = {
    "BB-DC-01": [
        (G, G, G, A, "Survey booked; supplier for racks chosen."),
        (G, G, G, A, "Survey done: power is enough for the first two waves."),
        (G, A, G, A, "Rack delivery slipped by three weeks."),
        (G, A, G, A, "Racks arriving; cabling team booked."),
        (G, G, G, G, "Racks installed."),
        (G, G, A, G, "Cabling cost more than planned (extra fibre)."),
        (G, G, A, G, "Wave one planned; change raised."),
        (G, A, A, A, "Wave one delayed by a change freeze at year end."),
        (G, G, A, A, "Wave one moved; two servers rolled back."),
        (G, G, G, A, "Rolled-back servers moved."),
        (G, A, G, R, "Cooling alarm in the new hall: supplier investigating."),
        (G, A, G, A, "Cooling fixed; last wave planned."),
    ],
    "BB-M365-01": [
        (A, G, G, A, "Design workshops with both councils."),
        (A, G, G, A, "Licensing model agreed; design written."),
        (G, G, G, A, "Design agreed by both councils' boards."),
        (G, A, G, A, "Identity servers wait for the data centre move."),
        (G, A, A, R, "Migration tool licence price up 20%."),
        (G, A, A, A, "Pilot group chosen; tool bought at the new price."),
    ],
    "BB-ICT-RP": [
        (G, G, G, G, "Options appraisal started."),
        (G, G, G, A, "Soft market testing: four suppliers replied."),
        (G, G, G, A, "Options appraisal approved: a new contract, in lots."),
        (A, G, G, A, "Lot structure changed after legal advice."),
        (G, A, G, A, "Tender documents late by two weeks."),
        (G, G, G, A, "Tender published."),
        (G, G, G, A, "Clarification questions answered."),
        (G, G, G, R, "One bidder withdrew; two bids left for lot 2."),
        (G, A, G, A, "Evaluation running late: panel member off sick."),
        (G, A, G, A, "Moderation done; award report drafted."),
    ],
}

# project, title, likelihood, impact, owner, mitigation, review (months from the run), status
RISKS = (
    (
        "BB-DC-01",
        "Cooling in the new hall cannot take the last wave",
        3,
        5,
        "manager",
        "Supplier survey of the cooling; spare portable units on standby.",
        0,
        "open",
    ),
    (
        "BB-DC-01",
        "Servers that cannot move are found late",
        2,
        3,
        "manager",
        "Discovery scan before each wave.",
        1,
        "open",
    ),
    (
        "BB-M365-01",
        "Staff resistance to the new file storage",
        3,
        3,
        "rbkc.lead",
        "Champions in each directorate; training before each move.",
        0,
        "open",
    ),
    (
        "BB-ICT-RP",
        "Too few bids for lot 2 to compare value",
        3,
        4,
        "rbkc.lead",
        "Direct award route checked with legal as a fallback.",
        0,
        "open",
    ),
    (
        "BB-ICT-RP",
        "Outgoing supplier slows the exit",
        2,
        5,
        "rbkc.lead",
        "Exit plan milestones in the contract; service credits apply.",
        2,
        "open",
    ),
)

ISSUES = (
    (
        "BB-M365-01",
        "Migration tool costs 20% more than budgeted",
        5,
        2,
        "rbkc.lead",
        "Saving found in the licence true-up.",
        1,
        "open",
    ),
    (
        "BB-DC-01",
        "Cooling alarm in the new hall",
        5,
        4,
        "manager",
        "Supplier replaced a faulty unit.",
        -1,
        "closed",
    ),
)

DEPENDENCIES = (("BB-M365-01", "BB-DC-01", "The identity servers move first."),)

# Change freezes over the roadmap: name, months from the run (start), days long, reason.
FREEZES = (
    ("Year-end close", 4, 14, "The councils close their accounts: no change to finance systems."),
    ("Annual canvass and elections", 6, 21, "Electoral services must not be disturbed."),
)


def months_from(today: datetime.date, months: int) -> datetime.date:
    """The first day of the month `months` from `today`'s."""
    index = today.year * 12 + today.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def _people() -> dict[str, Any]:
    return {
        u.username: u
        for u in User.objects.filter(username__in=["wcc.lead", "rbkc.lead", "manager"])
    }


def _shares(run: DemoRun) -> dict[Any, Decimal]:
    return {run.partners[code]: share for code, share in JOINT.items() if code in run.partners}


def _programmes(run: DemoRun, people: dict[str, Any], today: datetime.date) -> None:
    for reference, name, description, stage, (start, end), sponsor, manager in PROGRAMMES:
        if Programme.objects.filter(reference=reference).exists():
            continue
        made = Programme.objects.create(
            reference=reference,
            name=name,
            description=description,
            stage=stage,
            sponsor=people.get(sponsor),
            manager=people.get(manager),
            start_date=months_from(today, start),
            end_date=months_from(today, end) - datetime.timedelta(days=1),
        )
        set_owner_shares(made, _shares(run))
        run.created["programmes"] += 1


def _projects(run: DemoRun, people: dict[str, Any], today: datetime.date) -> dict[str, Project]:
    found = {}
    for reference, name, programme, (start, end), budget, sponsor in PROJECTS:
        project = Project.objects.filter(reference=reference).first()
        if project is None:
            project = Project.objects.create(
                reference=reference,
                name=name,
                programme=Programme.objects.filter(reference=programme).first(),
                stage="in_delivery",
                sponsor=people.get(sponsor),
                manager=people.get("manager"),
                start_date=months_from(today, start),
                end_date=months_from(today, end) - datetime.timedelta(days=1),
                budget=budget,
            )
            set_owner_shares(project, _shares(run))
            run.created["projects"] += 1
        found[reference] = project
    return found


def _parts(run: DemoRun, projects: dict[str, Project], people: dict[str, Any], today: Any) -> None:
    for reference, name, due, done, shown in MILESTONES:
        project = projects[reference]
        if Milestone.objects.filter(project=project, name=name).exists():
            continue
        Milestone.objects.create(
            project=project,
            name=name,
            due_date=months_from(today, due) + datetime.timedelta(days=14),
            done_on=None if done is None else months_from(today, done) + datetime.timedelta(12),
            council_visible=shown,
        )
        run.created["milestones"] += 1
    for model, rows, kind in ((Risk, RISKS, "risks"), (ProjectIssue, ISSUES, "issues")):
        for reference, title, likelihood, impact, owner, mitigation, review, status in rows:
            project = projects[reference]
            if model.objects.filter(project=project, title=title).exists():
                continue
            model.objects.create(
                project=project,
                title=title,
                likelihood=likelihood,
                impact=impact,
                owner=people.get(owner),
                mitigation=mitigation,
                review_date=months_from(today, review) + datetime.timedelta(days=4),
                status=status,
            )
            run.created[kind] += 1
    for reference, depends_on, note in DEPENDENCIES:
        project, other = projects[reference], projects[depends_on]
        if ProjectDependency.objects.filter(project=project, depends_on=other).exists():
            continue
        ProjectDependency.objects.create(project=project, depends_on=other, note=note)
        run.created["project dependencies"] += 1


def _reports(run: DemoRun, projects: dict[str, Project], today: datetime.date) -> None:
    """A report for each of the last months, written on the 3rd of the month after."""
    for reference, months in HISTORY.items():
        project = projects[reference]
        for back, (scope, time, cost, risk, narrative) in enumerate(reversed(months), start=1):
            period = months_from(today, -back)
            if period < project.start_date.replace(day=1):
                continue
            if ProjectReport.objects.filter(project=project, period=period).exists():
                continue
            written = months_from(today, -back + 1) + datetime.timedelta(days=2)
            moment = timezone.make_aware(datetime.datetime.combine(written, datetime.time(10)))
            with dated(min(moment, timezone.now())):
                ProjectReport.objects.create(
                    project=project,
                    period=period,
                    rag_scope=scope,
                    rag_time=time,
                    rag_cost=cost,
                    rag_risk=risk,
                    narrative=narrative,
                )
            run.created["project reports"] += 1


def _link(run: DemoRun, project: Project, note: str = "", **target: Any) -> None:
    field, value = next(iter(target.items()))
    if value is None or ProjectLink.objects.filter(project=project, **{field: value}).exists():
        return
    ProjectLink.objects.create(project=project, note=note, **target)
    run.created["project links"] += 1


def _links(run: DemoRun, projects: dict[str, Project]) -> None:
    from contracts.demo import OUTSOURCED
    from contracts.models import Contract, ExitPlan
    from finance.models import BusinessCase, CostLine
    from finance.savings_demo import REFERENCE

    contract = Contract.objects.filter(reference=OUTSOURCED).first()
    rp = projects["BB-ICT-RP"]
    _link(run, rp, "The contract being replaced", contract=contract)
    if contract is not None:
        plan = ExitPlan.objects.filter(contract=contract).first()
        _link(run, rp, "Its closedown", exit_plan=plan)
    case = BusinessCase.objects.filter(reference=REFERENCE).first()
    _link(run, projects["BB-M365-01"], "One tenancy is one of its savings", business_case=case)
    _link(run, projects["BB-DC-01"], "One data centre is one of its savings", business_case=case)
    for reference, prefix in (("BB-DC-01", "INV-HWS-"), ("BB-M365-01", "INV-MSEA-")):
        lines = CostLine.objects.filter(reference__startswith=prefix).order_by("-incurred_on")
        for line in lines[:6]:
            _link(run, projects[reference], cost_line=line)


def _freezes(run: DemoRun, today: datetime.date) -> None:
    from servicedesk.models import ChangeFreeze

    councils = [run.partners[c] for c in ("wcc", "rbkc") if c in run.partners]
    for name, months, days, reason in FREEZES:
        if ChangeFreeze.objects.filter(name=name).exists():
            continue
        start = months_from(today, months) + datetime.timedelta(days=20)
        freeze = ChangeFreeze.objects.create(
            name=name,
            starts_on=start,
            ends_on=start + datetime.timedelta(days=days - 1),
            reason=reason,
        )
        set_audience(freeze, councils)
        run.created["change freezes"] += 1


def load_demo_data(run: DemoRun) -> None:
    """Load the joint programmes, their projects, reports, risks and issues."""
    if not {"wcc", "rbkc"} <= set(run.partners):
        return
    today = timezone.localdate()
    people = _people()
    _programmes(run, people, today)
    projects = _projects(run, people, today)
    _parts(run, projects, people, today)
    _reports(run, projects, today)
    _links(run, projects)
    _freezes(run, today)
