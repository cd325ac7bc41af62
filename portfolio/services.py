"""The portfolio's rules: dependencies without cycles, a project's budget against its spend
and its business case's savings, the RAG history, what is due (risks to review, reports
missing) and the joint roadmap by quarter. Pages, the API, jobs and the demo call these.

Every sum reads through `visible_to(user)`: a reader is shown the spend and savings of the
cost lines and councils they may see, never another council's figure.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q, Sum

from core.tenancy.scoping import system_scope
from core.workdays import next_working_day
from portfolio.choices import EntryStatus, Stage
from portfolio.models import (
    Milestone,
    Programme,
    Project,
    ProjectDependency,
    ProjectLink,
    ProjectReport,
)

# Dependencies -----------------------------------------------------------------------------


def dependency_problem(project_id: int, depends_on_id: int) -> str:
    """Why `project_id` may not depend on `depends_on_id` ("" when it may): a project never
    depends on itself, nor on a project that already depends on it, however indirectly."""
    if project_id == depends_on_id:
        return "A project cannot depend on itself: choose another project"
    with system_scope("a cycle is refused whoever can see its steps"):
        edges: dict[int, set[int]] = {}
        for source, target in ProjectDependency.objects.unscoped(
            "the dependency graph"
        ).values_list("project_id", "depends_on_id"):
            edges.setdefault(source, set()).add(target)
    # Would depends_on reach project? Then project -> depends_on closes a loop.
    seen: set[int] = set()
    todo = [depends_on_id]
    while todo:
        node = todo.pop()
        if node == project_id:
            return (
                "That project already depends on this one, directly or through others: "
                "a dependency cannot go round in a circle"
            )
        if node in seen:
            continue
        seen.add(node)
        todo.extend(edges.get(node, ()))
    return ""


# Money ------------------------------------------------------------------------------------


@dataclass
class Benefits:
    """A linked business case's savings, as the reader may see them."""

    case: Any
    target_cashable: Decimal
    realised_cashable: Decimal
    realised_non_cashable: Decimal

    @property
    def gap(self) -> Decimal:
        return self.realised_cashable - self.target_cashable


@dataclass
class Money:
    """A project's budget against its spend, and its benefits."""

    budget: Decimal | None
    spend: Decimal
    cost_lines: int
    benefits: list[Benefits] = field(default_factory=list)

    @property
    def remaining(self) -> Decimal | None:
        return None if self.budget is None else self.budget - self.spend

    @property
    def overspend(self) -> Decimal:
        return Decimal("0") if self.budget is None else max(self.spend - self.budget, Decimal("0"))

    @property
    def over_budget(self) -> bool:
        return self.budget is not None and self.spend > self.budget


def project_spend(user: Any, project: Project) -> tuple[Decimal, int]:
    """The sum and count of the cost lines linked to `project` that `user` may see."""
    from finance.models import CostLine

    linked = ProjectLink.objects.visible_to(user).filter(project=project, cost_line__isnull=False)
    costs = CostLine.objects.visible_to(user).filter(pk__in=linked.values("cost_line_id"))
    totals = costs.aggregate(total=Sum("amount"))
    return totals["total"] or Decimal("0"), costs.count()


def project_benefits(user: Any, project: Project) -> list[Benefits]:
    """The savings target and realised savings of each business case linked to `project`,
    summed over its years, as `user` may see them (finance.savings_services)."""
    from finance.models import BusinessCase
    from finance.savings_services import target_against_realised

    linked = ProjectLink.objects.visible_to(user).filter(
        project=project, business_case__isnull=False
    )
    cases = BusinessCase.objects.visible_to(user).filter(pk__in=linked.values("business_case_id"))
    result = []
    for case in cases.order_by("reference"):
        years = target_against_realised(user, case)
        result.append(
            Benefits(
                case=case,
                target_cashable=sum(
                    (y.target.cashable or Decimal("0") for y in years if y.target is not None),
                    Decimal("0"),
                ),
                realised_cashable=sum((y.realised_cashable for y in years), Decimal("0")),
                realised_non_cashable=sum((y.realised_non_cashable for y in years), Decimal("0")),
            )
        )
    return result


def project_money(user: Any, project: Project) -> Money:
    """`project`'s budget against its spend, and its benefits, as `user` may see them."""
    spend, count = project_spend(user, project)
    return Money(
        budget=project.budget,
        spend=spend,
        cost_lines=count,
        benefits=project_benefits(user, project),
    )


# Reports ----------------------------------------------------------------------------------


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def last_month(today: datetime.date) -> datetime.date:
    """The first day of the month before `today`'s."""
    return month_start(month_start(today) - datetime.timedelta(days=1))


def fifth_working_day(month: datetime.date) -> datetime.date:
    """The fifth working day (England's) of the month of `month`."""
    from core.tenancy.choices import Nation

    day = next_working_day(month.replace(day=1), Nation.ENGLAND)
    for _ in range(4):
        day = next_working_day(day + datetime.timedelta(days=1), Nation.ENGLAND)
    return day


def reporting_projects(queryset: Any, period: datetime.date) -> Any:
    """The projects of `queryset` that owe a report for the month `period`: in delivery or
    approved, started by the month's end and not ended before it began."""
    next_month = (period + datetime.timedelta(days=32)).replace(day=1)
    return queryset.filter(
        stage__in=[Stage.APPROVED, Stage.IN_DELIVERY], start_date__lt=next_month
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=period))


def missing_reports(queryset: Any, today: datetime.date) -> Any:
    """The projects of `queryset` whose report for last month is missing after the fifth
    working day of this month (none before it)."""
    if today <= fifth_working_day(today):
        return queryset.none()
    period = last_month(today)
    reported = ProjectReport.objects.unscoped("which projects reported").filter(period=period)
    return reporting_projects(queryset, period).exclude(pk__in=reported.values("project_id"))


def entries_due(queryset: Any, today: datetime.date) -> Any:
    """The open risks (or issues) of `queryset` whose review date has come."""
    return queryset.filter(status=EntryStatus.OPEN, review_date__lte=today)


@dataclass
class RagMonth:
    """One month of a project's RAG history."""

    period: datetime.date
    report: Any


def rag_history(user: Any, project: Project, months: int = 12) -> list[ProjectReport]:
    """`project`'s reports, newest first, the last `months` of them."""
    return list(
        ProjectReport.objects.visible_to(user).filter(project=project).order_by("-period")[:months]
    )


# Roadmap ----------------------------------------------------------------------------------


def quarter_of(day: datetime.date) -> tuple[int, int]:
    """The calendar quarter of `day`: (year, 1..4)."""
    return day.year, (day.month - 1) // 3 + 1


def quarter_label(quarter: tuple[int, int]) -> str:
    year, q = quarter
    first = datetime.date(year, (q - 1) * 3 + 1, 1)
    last = datetime.date(year, q * 3, 1)
    return f"{first:%b} to {last:%b} {year}"


#: What each kind of thing on the roadmap is called.
ROADMAP_KINDS = {
    "programme": "Programme",
    "project": "Project",
    "milestone": "Milestone",
    "contract_end": "Contract end",
    "exit_milestone": "Exit milestone",
    "freeze": "Change freeze",
}


@dataclass
class RoadmapItem:
    """One thing on the roadmap: a bar (start to end) or a point (a date)."""

    kind: str
    label: str
    start: datetime.date
    end: datetime.date | None
    url: str
    councils: str
    detail: str = ""

    @property
    def kind_label(self) -> str:
        return ROADMAP_KINDS.get(self.kind, self.kind)

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "kind_label": self.kind_label,
            "label": self.label,
            "start": self.start.isoformat(),
            "end": (self.end or self.start).isoformat(),
            "url": self.url,
            "councils": self.councils,
            "detail": self.detail,
        }


def _owners(obj: Any) -> str:
    return ", ".join(share.partner.code.upper() for share in obj.owner_shares())


def _within(queryset: Any, start_field: str, end_field: str | None, frm: Any, to: Any) -> Any:
    if end_field is None:
        return queryset.filter(**{f"{start_field}__gte": frm, f"{start_field}__lte": to})
    return queryset.filter(**{f"{start_field}__lte": to}).filter(
        Q(**{f"{end_field}__isnull": True}) | Q(**{f"{end_field}__gte": frm})
    )


def _of_council(queryset: Any, model: Any, partner: Any) -> Any:
    return queryset if partner is None else queryset.filter(model.ownership_filter([partner.pk]))


def roadmap_items(
    user: Any, start: datetime.date, end: datetime.date, partner: Any = None
) -> list[RoadmapItem]:
    """Everything on the roadmap between `start` and `end` that `user` may see, of one
    council (`partner`) or all the reader's councils together: programmes and projects
    (bars), milestones the councils are shown, contracts' current end dates, exit
    milestones and change freezes."""
    from contracts.models import Contract, ExitMilestone
    from servicedesk.models import ChangeFreeze

    items: list[RoadmapItem] = []
    programmes = _of_council(Programme.objects.visible_to(user), Programme, partner)
    for prog in _within(programmes, "start_date", "end_date", start, end).order_by("start_date"):
        items.append(
            RoadmapItem(
                "programme",
                str(prog),
                prog.start_date,
                prog.end_date,
                prog.get_absolute_url(),
                _owners(prog),
                prog.get_stage_display(),
            )
        )
    projects = _of_council(Project.objects.visible_to(user), Project, partner)
    for proj in _within(projects, "start_date", "end_date", start, end).order_by("start_date"):
        items.append(
            RoadmapItem(
                "project",
                str(proj),
                proj.start_date,
                proj.end_date,
                proj.get_absolute_url(),
                _owners(proj),
                proj.get_stage_display(),
            )
        )
    milestones = Milestone.objects.visible_to(user).filter(
        council_visible=True, project__in=projects.values("pk")
    )
    for ms in (
        _within(milestones, "due_date", None, start, end)
        .select_related("project")
        .order_by("due_date", "id")
    ):
        items.append(
            RoadmapItem(
                "milestone",
                f"{ms.project.reference}: {ms.name}",
                ms.due_date,
                None,
                ms.get_absolute_url(),
                "",
                f"done {ms.done_on:%d %b %Y}" if ms.done_on else "",
            )
        )
    contracts = _of_council(Contract.objects.visible_to(user), Contract, partner)
    for con in _within(contracts, "end_date", None, start, end).order_by("end_date", "id"):
        items.append(
            RoadmapItem(
                "contract_end",
                f"{con.reference} {con.title} ends",
                con.end_date,
                None,
                con.get_absolute_url(),
                _owners(con),
            )
        )
    exits = ExitMilestone.objects.visible_to(user).filter(plan__contract__in=contracts.values("pk"))
    for em in (
        _within(exits, "due_date", None, start, end)
        .select_related("plan__contract")
        .order_by("due_date", "id")
    ):
        items.append(
            RoadmapItem(
                "exit_milestone",
                f"{em.plan.contract.reference} exit: {em.title}",
                em.due_date,
                None,
                em.get_absolute_url(),
                "",
                em.get_rag_display(),
            )
        )
    freezes = _of_council(ChangeFreeze.objects.visible_to(user), ChangeFreeze, partner)
    for fr in _within(freezes, "starts_on", "ends_on", start, end).order_by("starts_on", "id"):
        items.append(
            RoadmapItem(
                "freeze",
                f"Change freeze: {fr.name}",
                fr.starts_on,
                fr.ends_on,
                fr.get_absolute_url(),
                "",
                fr.reason,
            )
        )
    return items


def quarters_between(start: datetime.date, end: datetime.date) -> list[tuple[int, int]]:
    """Every calendar quarter from `start`'s to `end`'s."""
    result = []
    current = quarter_of(start)
    last = quarter_of(end)
    while current <= last:
        result.append(current)
        year, q = current
        current = (year + 1, 1) if q == 4 else (year, q + 1)
    return result


def by_quarter(
    items: Iterable[RoadmapItem], start: datetime.date, end: datetime.date
) -> list[tuple[str, list[RoadmapItem]]]:
    """`items` under each quarter they fall in or run through (a bar is listed in every
    quarter it spans), between `start` and `end`."""
    rows = []
    for quarter in quarters_between(start, end):
        year, q = quarter
        q_start = datetime.date(year, (q - 1) * 3 + 1, 1)
        q_end = (
            datetime.date(year + 1, 1, 1) if q == 4 else datetime.date(year, q * 3 + 1, 1)
        ) - datetime.timedelta(days=1)
        within = [
            item for item in items if item.start <= q_end and (item.end or item.start) >= q_start
        ]
        rows.append((quarter_label(quarter), within))
    return rows


# The milestones' calendar -------------------------------------------------------------------

#: How far back and ahead (in days) the feed lists milestones.
FEED_BEHIND_DAYS = 30
FEED_AHEAD_DAYS = 3 * 366


def calendar_feed(person: Any, on: datetime.date) -> bytes:
    """The milestones of the projects `person` sees, shown to the councils, as iCalendar
    all-day events from 30 days back to three years ahead."""
    from django.conf import settings
    from django.utils import timezone
    from icalendar import Calendar, Event

    since = on - datetime.timedelta(days=FEED_BEHIND_DAYS)
    until = on + datetime.timedelta(days=FEED_AHEAD_DAYS)
    milestones = (
        Milestone.objects.visible_to(person)
        .filter(council_visible=True, due_date__range=(since, until))
        .select_related("project")
        .order_by("due_date", "id")[:2000]
    )
    feed = Calendar()
    feed.add("prodid", "-//Concord//Project milestones//EN")
    feed.add("version", "2.0")
    feed.add("x-wr-calname", "Project milestones")
    stamp = timezone.now()
    base = str(getattr(settings, "CONCORD_BASE_URL", "") or "")
    for ms in milestones:
        event = Event()
        event.add("uid", f"milestone-{ms.pk}@concord")
        event.add("dtstamp", stamp)
        event.add("last-modified", ms.updated_at)
        event.add("dtstart", ms.due_date)
        event.add("dtend", ms.due_date + datetime.timedelta(days=1))
        event.add("summary", f"{ms.project.reference}: {ms.name}")
        done = f"Done on {ms.done_on:%d %B %Y}" if ms.done_on else "Not done yet"
        event.add("description", f"Project: {ms.project}\n{done}")
        event.add("url", f"{base}{ms.get_absolute_url()}")
        feed.add_component(event)
    return bytes(feed.to_ical())
