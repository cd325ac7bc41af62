"""Filters of the portfolio lists, used by the pages, their exports and the API alike."""

from __future__ import annotations

import django_filters

from core.filtersets import ConcordFilterSet, ScopedModelChoiceFilter, scoped_choices
from portfolio.choices import EntryStatus, Rag, Stage
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


class ProgrammeFilterSet(ConcordFilterSet):
    search_fields = ("reference", "name", "description")
    stage = django_filters.ChoiceFilter(choices=Stage.choices)

    class Meta:
        model = Programme
        fields = ["q", "stage"]


class ProjectFilterSet(ConcordFilterSet):
    search_fields = ("reference", "name", "description")
    stage = django_filters.ChoiceFilter(choices=Stage.choices)
    programme = ScopedModelChoiceFilter(queryset=scoped_choices(Programme))

    class Meta:
        model = Project
        fields = ["q", "stage", "programme"]


class MilestoneFilterSet(ConcordFilterSet):
    search_fields = ("name",)
    project = ScopedModelChoiceFilter(queryset=scoped_choices(Project))
    done = django_filters.BooleanFilter(
        field_name="done_on", lookup_expr="isnull", exclude=True, label="Done"
    )
    due_before = django_filters.DateFilter(
        field_name="due_date", lookup_expr="lte", label="Due on or before"
    )

    class Meta:
        model = Milestone
        fields = ["q", "project", "done", "due_before", "council_visible"]


class ProjectDependencyFilterSet(ConcordFilterSet):
    search_fields = ("note",)
    project = ScopedModelChoiceFilter(queryset=scoped_choices(Project))
    depends_on = ScopedModelChoiceFilter(queryset=scoped_choices(Project), label="Depends on")

    class Meta:
        model = ProjectDependency
        fields = ["q", "project", "depends_on"]


class ProjectLinkFilterSet(ConcordFilterSet):
    search_fields = ("note",)
    project = ScopedModelChoiceFilter(queryset=scoped_choices(Project))

    class Meta:
        model = ProjectLink
        fields = ["q", "project"]


class ProjectReportFilterSet(ConcordFilterSet):
    search_fields = ("narrative",)
    project = ScopedModelChoiceFilter(queryset=scoped_choices(Project))
    period = django_filters.DateFilter(help_text="The month's first day, like 2026-04-01.")
    overall = django_filters.ChoiceFilter(choices=Rag.choices)

    class Meta:
        model = ProjectReport
        fields = ["q", "project", "period", "overall"]


class RiskFilterSet(ConcordFilterSet):
    search_fields = ("title", "description", "mitigation")
    project = ScopedModelChoiceFilter(queryset=scoped_choices(Project))
    status = django_filters.ChoiceFilter(choices=EntryStatus.choices)
    review_due = django_filters.DateFilter(
        field_name="review_date", lookup_expr="lte", label="Review due on or before"
    )

    class Meta:
        model = Risk
        fields = ["q", "project", "status", "review_due"]


class ProjectIssueFilterSet(RiskFilterSet):
    class Meta:
        model = ProjectIssue
        fields = ["q", "project", "status", "review_due"]
