"""The portfolio app's records: programmes and projects (one council's, or co-owned in
shares), a project's milestones, dependencies on other projects, links to the records it
touches (contracts, exit plans, changes, business cases, cost lines), its monthly status
reports and its risk and issue registers.

The rules that are more than one record's checks (cycles of dependencies, sums of spend and
savings, reminders, the roadmap) are in `portfolio.services`; docs/portfolio.md says what each
record is for. `Project.stage`, `ProjectReport` and its `Rag` fields are read by the reporting
app's KPIs: keep their names.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from core.tenancy.records import PartModel, SharedOwnershipModel
from portfolio.choices import RAG_ORDER, EntryStatus, LinkKind, Rag, Stage

#: The GOV.UK tag colour of each RAG value (always shown with its word).
RAG_TAGS: dict[str, str] = {
    Rag.RED: "govuk-tag--red",
    Rag.AMBER: "govuk-tag--orange",
    Rag.GREEN: "govuk-tag--green",
}

ONE_TO_FIVE = [MinValueValidator(1), MaxValueValidator(5)]


def person(verbose_name: str, help_text: str) -> models.ForeignKey[Any, Any]:
    """A foreign key naming a person (optional), never followed back."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=verbose_name,
        help_text=help_text,
    )


class PlannedWork(SharedOwnershipModel):
    """What a programme and a project share: a reference, a name, a stage, a sponsor and a
    manager, and the dates it runs between. Owned by one council (a 100% share) or jointly."""

    # Unique among the records a person can see (unique_for_reader), like contracts.Contract.
    reference = models.CharField(max_length=50, db_index=True, help_text="Like BB-DC-01.")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.IDEA)
    sponsor = person("Sponsor", "The senior person who answers for it.")
    manager = person("Manager", "The person who runs it day to day: reminders go to them.")
    start_date = models.DateField("Start date")
    end_date = models.DateField("End date", null=True, blank=True)

    area: ClassVar[str] = "portfolio"
    natural_key: ClassVar[str | None] = "reference"
    unique_for_reader: ClassVar[tuple[str, ...]] = ("reference",)
    import_match_fields: ClassVar[tuple[str, ...]] = ("reference",)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.reference} {self.name}"


class Programme(PlannedWork):
    """A programme: a group of projects run together (the bi-borough's data centre move)."""

    import_fields: ClassVar[tuple[str, ...]] = (
        "owner_shares",
        "reference",
        "name",
        "description",
        "stage",
        "start_date",
        "end_date",
    )
    import_example: ClassVar[dict[str, str]] = {
        "owner_shares": "wcc",
        "reference": "BB-INFRA",
        "name": "Joint infrastructure",
        "description": "",
        "stage": "in_delivery",
        "start_date": "2026-04-01",
        "end_date": "2027-03-31",
    }
    constraint_fields: ClassVar[dict[str, str]] = {"programme_dates_in_order": "end_date"}

    class Meta:
        ordering = ["reference", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="programme_dates_in_order",
                violation_error_message="The end date must be the same as or after the start date",
            ),
        ]
        indexes = [
            models.Index(fields=["reference", "id"], name="programme_reference_id"),
            models.Index(fields=["stage", "start_date"], name="programme_stage_start"),
        ]


class Project(PlannedWork):
    """A project, on its own or in a programme, with its budget."""

    programme = models.ForeignKey(
        Programme,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The programme it belongs to, if any.",
    )
    budget = models.DecimalField(
        "Budget (£)",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="What it may spend in all, in pounds.",
    )
    # The month whose missing report the manager was last reminded of (portfolio.jobs): a
    # reminder goes once per month.
    report_reminded_for = models.DateField(null=True, blank=True, editable=False)

    import_fields: ClassVar[tuple[str, ...]] = (
        "owner_shares",
        "reference",
        "name",
        "description",
        "programme",
        "stage",
        "start_date",
        "end_date",
        "budget",
    )
    import_example: ClassVar[dict[str, str]] = {
        "owner_shares": "wcc",
        "reference": "BB-DC-01",
        "name": "Data centre move",
        "description": "",
        "programme": "BB-INFRA",
        "stage": "in_delivery",
        "start_date": "2026-04-01",
        "end_date": "2027-03-31",
        "budget": "250000.00",
    }
    constraint_fields: ClassVar[dict[str, str]] = {
        "project_dates_in_order": "end_date",
        "project_budget_not_negative": "budget",
    }

    class Meta:
        ordering = ["reference", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="project_dates_in_order",
                violation_error_message="The end date must be the same as or after the start date",
            ),
            models.CheckConstraint(
                condition=Q(budget__isnull=True) | Q(budget__gte=0),
                name="project_budget_not_negative",
                violation_error_message="The budget must be zero or more",
            ),
        ]
        indexes = [
            models.Index(fields=["reference", "id"], name="project_reference_id"),
            models.Index(fields=["programme", "reference"], name="project_programme_ref"),
            models.Index(fields=["stage", "start_date"], name="project_stage_start"),
        ]


class Milestone(PartModel):
    """A point a project must reach by a date (go-live, contract signed), and when it did."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200)
    due_date = models.DateField("Due date")
    done_on = models.DateField("Done on", null=True, blank=True)
    council_visible = models.BooleanField(
        "Shown to the councils",
        default=True,
        help_text="Ticked: on the joint roadmap and the milestones feed the councils read. "
        "Not ticked: a working milestone for the project team.",
    )

    area: ClassVar[str] = "portfolio"
    part_of: ClassVar[str] = "project"
    attachable: ClassVar[bool] = False
    import_fields: ClassVar[tuple[str, ...]] = (
        "project",
        "name",
        "due_date",
        "done_on",
        "council_visible",
    )
    import_example: ClassVar[dict[str, str]] = {
        "project": "BB-DC-01",
        "name": "Racks moved",
        "due_date": "2026-09-30",
        "done_on": "",
        "council_visible": "true",
    }

    class Meta:
        ordering = ["project", "due_date", "id"]
        indexes = [
            models.Index(fields=["project", "due_date", "id"], name="milestone_project_due"),
            models.Index(fields=["due_date", "id"], name="milestone_due"),
        ]

    def __str__(self) -> str:
        return self.name


class ProjectDependency(PartModel):
    """A project that cannot finish (or start) until another has: seen only by those who
    see both projects, so it never names a project the reader cannot see."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    depends_on = models.ForeignKey(
        Project,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="Depends on",
        help_text="The project it waits for.",
    )
    note = models.CharField(max_length=200, blank=True, help_text="What it waits for.")

    area: ClassVar[str] = "portfolio"
    part_of: ClassVar[str] = "project"
    attachable: ClassVar[bool] = False
    noun: ClassVar[str | None] = "dependency"
    noun_plural: ClassVar[str | None] = "dependencies"
    import_fields: ClassVar[tuple[str, ...]] = ("project", "depends_on", "note")
    import_example: ClassVar[dict[str, str]] = {
        "project": "BB-M365-01",
        "depends_on": "BB-DC-01",
        "note": "Identity servers move first",
    }

    class Meta:
        verbose_name_plural = "project dependencies"
        ordering = ["project", "depends_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "depends_on"],
                name="projectdependency_unique",
                violation_error_message="This project already depends on that project",
            ),
        ]
        indexes = [models.Index(fields=["depends_on", "project"], name="projectdep_depends_on")]

    @classmethod
    def ownership_filter(cls, partner_ids: Any) -> Q | None:
        source = cls.parent_rows(partner_ids, "project")
        target = cls.parent_rows(partner_ids, "depends_on")
        if source is None or target is None:
            return None
        return source & target

    def __str__(self) -> str:
        return f"{self.project.reference} depends on {self.depends_on.reference}"

    def clean(self) -> None:
        super().clean()
        if self.project_id is None or self.depends_on_id is None:
            return
        from portfolio.services import dependency_problem

        problem = dependency_problem(self.project_id, self.depends_on_id)
        if problem:
            raise ValidationError({"depends_on": problem})


#: The records a project's link may name: (field, model label, kind).
LINK_TARGETS: tuple[tuple[str, str, str], ...] = (
    ("contract", "contracts.Contract", LinkKind.CONTRACT),
    ("exit_plan", "contracts.ExitPlan", LinkKind.EXIT_PLAN),
    ("change", "servicedesk.ChangeRequest", LinkKind.CHANGE),
    ("business_case", "finance.BusinessCase", LinkKind.BUSINESS_CASE),
    ("cost_line", "finance.CostLine", LinkKind.COST_LINE),
)


def _link(model: str, verbose_name: str, help_text: str) -> models.ForeignKey[Any, Any]:
    return models.ForeignKey(
        model,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=verbose_name,
        help_text=help_text,
    )


class ProjectLink(PartModel):
    """A record another app keeps that a project touches: exactly one of a contract (a
    re-procurement), an exit plan, a change on the forward schedule, a business case or a
    cost line (spend counted against the project's budget). Seen only by those who see both
    the project and the record it names."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    contract = _link("contracts.Contract", "Contract", "A contract it re-procures or changes.")
    exit_plan = _link("contracts.ExitPlan", "Exit plan", "An exit plan it delivers.")
    change = _link("servicedesk.ChangeRequest", "Change", "A change it makes.")
    business_case = _link(
        "finance.BusinessCase", "Business case", "The business case whose savings it delivers."
    )
    cost_line = _link("finance.CostLine", "Cost line", "A cost counted against its budget.")
    note = models.CharField(max_length=200, blank=True)

    area: ClassVar[str] = "portfolio"
    part_of: ClassVar[str] = "project"
    attachable: ClassVar[bool] = False
    noun: ClassVar[str | None] = "project link"
    noun_plural: ClassVar[str | None] = "project links"
    constraint_fields: ClassVar[dict[str, str]] = {"projectlink_exactly_one": "contract"}

    class Meta:
        ordering = ["project", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    contract__isnull=False,
                    exit_plan__isnull=True,
                    change__isnull=True,
                    business_case__isnull=True,
                    cost_line__isnull=True,
                )
                | Q(
                    contract__isnull=True,
                    exit_plan__isnull=False,
                    change__isnull=True,
                    business_case__isnull=True,
                    cost_line__isnull=True,
                )
                | Q(
                    contract__isnull=True,
                    exit_plan__isnull=True,
                    change__isnull=False,
                    business_case__isnull=True,
                    cost_line__isnull=True,
                )
                | Q(
                    contract__isnull=True,
                    exit_plan__isnull=True,
                    change__isnull=True,
                    business_case__isnull=False,
                    cost_line__isnull=True,
                )
                | Q(
                    contract__isnull=True,
                    exit_plan__isnull=True,
                    change__isnull=True,
                    business_case__isnull=True,
                    cost_line__isnull=False,
                ),
                name="projectlink_exactly_one",
                violation_error_message=(
                    "Choose one record to link: a contract, an exit plan, a change, a "
                    "business case or a cost line"
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["project", "id"], name="projectlink_project"),
            models.Index(fields=["cost_line"], name="projectlink_cost_line"),
        ]

    @classmethod
    def visibility_filter(cls, user: Any, action: str = "view") -> Q | None:
        # The project's rule, and the named record's own: a link never shows a contract,
        # change or cost the reader cannot see.
        from django.apps import apps

        condition = super().visibility_filter(user, action)
        if condition is None:
            return None
        for field, label, _kind in LINK_TARGETS:
            target: Any = apps.get_model(label)
            seen = target.visibility_filter(user, "view")
            if seen is None:
                condition &= Q(**{f"{field}__isnull": True})
            elif seen != Q():
                visible = target.objects.visible_to(user).values("pk")
                condition &= Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__in": visible})
        return condition

    def target(self) -> Any:
        """The record it names."""
        for field, _label, _kind in LINK_TARGETS:
            if getattr(self, f"{field}_id"):
                return getattr(self, field)
        return None

    def kind(self) -> str:
        """What kind of record it names, in words."""
        for field, _label, kind in LINK_TARGETS:
            if getattr(self, f"{field}_id"):
                return str(LinkKind(kind).label)
        return ""

    def __str__(self) -> str:
        target = self.target()
        return f"{self.kind()}: {target}" if target is not None else "Link"

    def clean(self) -> None:
        super().clean()
        chosen = [f for f, _l, _k in LINK_TARGETS if getattr(self, f"{f}_id")]
        if len(chosen) > 1:
            raise ValidationError(
                {chosen[1]: "Choose one record to link: make another link for the next one"}
            )


class ProjectReport(PartModel):
    """A project's status in one month: red, amber or green for scope, time, cost and risk,
    the worst of the four overall, and a short narrative. One a month."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    period = models.DateField(help_text="The month it reports on: its first day, like 2026-04-01.")
    rag_scope = models.CharField("Scope", max_length=5, choices=Rag.choices)
    rag_time = models.CharField("Time", max_length=5, choices=Rag.choices)
    rag_cost = models.CharField("Cost", max_length=5, choices=Rag.choices)
    rag_risk = models.CharField("Risk", max_length=5, choices=Rag.choices)
    overall = models.CharField(
        "Overall",
        max_length=5,
        choices=Rag.choices,
        editable=False,
        help_text="The worst of the four.",
    )
    narrative = models.TextField(help_text="What happened this month and what comes next.")

    area: ClassVar[str] = "portfolio"
    part_of: ClassVar[str] = "project"
    attachable: ClassVar[bool] = False
    noun: ClassVar[str | None] = "project report"
    noun_plural: ClassVar[str | None] = "project reports"
    derived_fields: ClassVar[frozenset[str]] = frozenset({"overall"})
    import_fields: ClassVar[tuple[str, ...]] = (
        "project",
        "period",
        "rag_scope",
        "rag_time",
        "rag_cost",
        "rag_risk",
        "narrative",
    )
    import_match_fields: ClassVar[tuple[Any, ...]] = (("project", "period"),)
    import_example: ClassVar[dict[str, str]] = {
        "project": "BB-DC-01",
        "period": "2026-04-01",
        "rag_scope": "green",
        "rag_time": "amber",
        "rag_cost": "green",
        "rag_risk": "amber",
        "narrative": "Racks ordered; power survey late by a week.",
    }

    class Meta:
        ordering = ["project", "-period", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "period"],
                name="projectreport_one_a_month",
                violation_error_message="This project already has a report for this month",
            ),
        ]
        indexes = [
            models.Index(fields=["project", "-period", "id"], name="projectreport_project"),
            models.Index(fields=["period", "overall"], name="projectreport_period"),
        ]

    def __str__(self) -> str:
        month = self.period.strftime("%B %Y") if self.period else ""
        return f"{self.project.reference} {month}" if self.project_id else month

    def clean(self) -> None:
        super().clean()
        if self.period and self.period.day != 1:
            raise ValidationError({"period": "Enter the month's first day, like 2026-04-01"})

    def rags(self) -> list[tuple[str, str]]:
        """Scope, time, cost, risk and overall as (GOV.UK tag class, word): the colour is
        never shown without the word."""
        return [
            (RAG_TAGS.get(value, ""), str(Rag(value).label) if value in Rag.values else "")
            for value in (self.rag_scope, self.rag_time, self.rag_cost, self.rag_risk, self.overall)
        ]

    def derive(self) -> None:
        super().derive()
        rags = [self.rag_scope, self.rag_time, self.rag_cost, self.rag_risk]
        self.overall = next((rag for rag in RAG_ORDER if rag in rags), Rag.GREEN)


class RegisterEntry(PartModel):
    """What a risk and an issue share: a title, likelihood and impact from 1 to 5, their
    score (the product), an owner, the mitigation, a review date and a status."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    likelihood = models.PositiveSmallIntegerField(
        validators=ONE_TO_FIVE, help_text="From 1 (rare) to 5 (almost certain)."
    )
    impact = models.PositiveSmallIntegerField(
        validators=ONE_TO_FIVE, help_text="From 1 (slight) to 5 (severe)."
    )
    score = models.PositiveSmallIntegerField(
        editable=False, default=1, help_text="Likelihood times impact, 1 to 25."
    )
    owner = person("Owner", "Who manages it: the review reminder goes to them.")
    mitigation = models.TextField(blank=True, help_text="What is being done about it.")
    review_date = models.DateField("Review date", null=True, blank=True)
    status = models.CharField(max_length=10, choices=EntryStatus.choices, default=EntryStatus.OPEN)
    # The review date last reminded of (portfolio.jobs): a reminder goes once per date.
    reminded_for = models.DateField(null=True, blank=True, editable=False)

    area: ClassVar[str] = "portfolio"
    part_of: ClassVar[str] = "project"
    attachable: ClassVar[bool] = False
    derived_fields: ClassVar[frozenset[str]] = frozenset({"score"})
    import_fields: ClassVar[tuple[str, ...]] = (
        "project",
        "title",
        "description",
        "likelihood",
        "impact",
        "mitigation",
        "review_date",
        "status",
    )
    import_example: ClassVar[dict[str, str]] = {
        "project": "BB-DC-01",
        "title": "Power survey late",
        "description": "",
        "likelihood": "3",
        "impact": "4",
        "mitigation": "Second surveyor booked",
        "review_date": "2026-06-30",
        "status": "open",
    }

    class Meta:
        abstract = True
        # Each register's names carry its class (risk_..., projectissue_...): one table each.
        ordering = ["project", "-score", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(likelihood__gte=1, likelihood__lte=5),
                name="%(class)s_likelihood_range",
                violation_error_message="Enter a likelihood from 1 to 5",
            ),
            models.CheckConstraint(
                condition=Q(impact__gte=1, impact__lte=5),
                name="%(class)s_impact_range",
                violation_error_message="Enter an impact from 1 to 5",
            ),
        ]
        indexes = [
            models.Index(fields=["project", "-score", "id"], name="%(class)s_project_score"),
            models.Index(fields=["status", "review_date"], name="%(class)s_status_review"),
        ]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # The field each check constraint speaks of, under the register's own names.
        name = cls.__name__.lower()
        cls.constraint_fields = {
            f"{name}_likelihood_range": "likelihood",
            f"{name}_impact_range": "impact",
        }

    def __str__(self) -> str:
        return self.title

    def derive(self) -> None:
        super().derive()
        if self.likelihood and self.impact:
            self.score = self.likelihood * self.impact


class Risk(RegisterEntry):
    """Something that may happen to a project, and what is done about it."""


class ProjectIssue(RegisterEntry):
    """Something that has happened to a project and must be dealt with."""

    noun: ClassVar[str | None] = "issue"
    noun_plural: ClassVar[str | None] = "issues"
