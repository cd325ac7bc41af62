"""Forms of the portfolio pages. Every dropdown is scoped (core.forms.ScopedModelForm): a
form only offers the projects, contracts, changes, business cases and costs its person sees."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from core.forms import ScopedModelForm
from core.tenancy.access import people_visible_to
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


def people(user: Any) -> QuerySet[Any]:
    """The people `user` can see, active ones, by username."""
    return people_visible_to(user).filter(is_active=True).order_by("username")


class PeopleForm(ScopedModelForm):
    """A form naming people: only those its person can see."""

    def people(self, user: Any) -> QuerySet[Any]:
        return people(user)


PLANNED = ["reference", "name", "description", "stage", "sponsor", "manager"]


class ProgrammeForm(PeopleForm):
    unscoped_choices = {"sponsor": "people", "manager": "people"}

    class Meta:
        model = Programme
        fields = [*PLANNED, "start_date", "end_date"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}


class ProjectForm(PeopleForm):
    unscoped_choices = {"sponsor": "people", "manager": "people"}

    class Meta:
        model = Project
        fields = [*PLANNED, "programme", "start_date", "end_date", "budget"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}


class MilestoneForm(ScopedModelForm):
    class Meta:
        model = Milestone
        fields = ["project", "name", "due_date", "done_on", "council_visible"]


class ProjectDependencyForm(ScopedModelForm):
    class Meta:
        model = ProjectDependency
        fields = ["project", "depends_on", "note"]


class ProjectLinkForm(ScopedModelForm):
    class Meta:
        model = ProjectLink
        fields = [
            "project",
            "contract",
            "exit_plan",
            "change",
            "business_case",
            "cost_line",
            "note",
        ]


class ProjectReportForm(ScopedModelForm):
    class Meta:
        model = ProjectReport
        fields = ["project", "period", "rag_scope", "rag_time", "rag_cost", "rag_risk", "narrative"]
        widgets = {"narrative": forms.Textarea(attrs={"rows": 5})}


REGISTER = [
    "project",
    "title",
    "description",
    "likelihood",
    "impact",
    "owner",
    "mitigation",
    "review_date",
    "status",
]


class RiskForm(PeopleForm):
    unscoped_choices = {"owner": "people"}

    class Meta:
        model = Risk
        fields = REGISTER
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "mitigation": forms.Textarea(attrs={"rows": 3}),
        }


class ProjectIssueForm(PeopleForm):
    unscoped_choices = {"owner": "people"}

    class Meta:
        model = ProjectIssue
        fields = REGISTER
        widgets = RiskForm.Meta.widgets
