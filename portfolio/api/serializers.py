"""API serializers of the portfolio app. Related records are named by their natural keys
(a project by its reference) and scoped to what the requester sees."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from core.api.fields import ScopedSlugRelatedField
from core.api.serializers import BOOKKEEPING, ScopedModelSerializer
from core.tenancy.access import people_visible_to
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


def people(field: serializers.Field, user: Any) -> Any:
    """A person a record names: one of the people the requester can see."""
    return people_visible_to(user).filter(is_active=True)


def person_field(help_text: str) -> ScopedSlugRelatedField:
    return ScopedSlugRelatedField(
        related_model=User,
        slug_field="username",
        choices_for=people,
        help_text=help_text,
        required=False,
        allow_null=True,
    )


PLANNED = (
    "id",
    "reference",
    "name",
    "description",
    "stage",
    "sponsor",
    "manager",
    "start_date",
    "end_date",
)


class ProgrammeSerializer(ScopedModelSerializer):
    """A programme, owned by one council (a 100% share) or jointly (``owner_shares``)."""

    sponsor = person_field("The username of the sponsor.")
    manager = person_field("The username of the manager.")

    class Meta:
        model = Programme
        fields = (*PLANNED, "owner_shares", *BOOKKEEPING)


class ProjectSerializer(ScopedModelSerializer):
    """A project (``programme`` by reference), owned by one council or jointly."""

    sponsor = person_field("The username of the sponsor.")
    manager = person_field("The username of the manager.")

    class Meta:
        model = Project
        fields = (*PLANNED, "programme", "budget", "owner_shares", *BOOKKEEPING)


class MilestoneSerializer(ScopedModelSerializer):
    """A milestone of a project (``project`` by reference)."""

    class Meta:
        model = Milestone
        fields = (
            "id",
            "project",
            "name",
            "due_date",
            "done_on",
            "council_visible",
            *BOOKKEEPING,
        )


class ProjectDependencySerializer(ScopedModelSerializer):
    """A project depending on another (both by reference); a cycle is refused."""

    class Meta:
        model = ProjectDependency
        fields = ("id", "project", "depends_on", "note", *BOOKKEEPING)


class ProjectLinkSerializer(ScopedModelSerializer):
    """A record a project touches: exactly one of ``contract`` (by reference),
    ``exit_plan`` and ``cost_line`` (by id), ``change`` and ``business_case`` (by
    reference)."""

    class Meta:
        model = ProjectLink
        fields = (
            "id",
            "project",
            "contract",
            "exit_plan",
            "change",
            "business_case",
            "cost_line",
            "note",
            *BOOKKEEPING,
        )


class ProjectReportSerializer(ScopedModelSerializer):
    """A project's report for a month (``period``, its first day): RAG for scope, time, cost
    and risk; ``overall`` is the worst of them, worked out."""

    class Meta:
        model = ProjectReport
        fields = (
            "id",
            "project",
            "period",
            "rag_scope",
            "rag_time",
            "rag_cost",
            "rag_risk",
            "overall",
            "narrative",
            *BOOKKEEPING,
        )
        read_only_fields = ("overall",)


REGISTER = (
    "id",
    "project",
    "title",
    "description",
    "likelihood",
    "impact",
    "score",
    "owner",
    "mitigation",
    "review_date",
    "status",
)


class RiskSerializer(ScopedModelSerializer):
    """A risk of a project; ``score`` is likelihood times impact, worked out."""

    owner = person_field("The username of the risk's owner.")

    class Meta:
        model = Risk
        fields = (*REGISTER, *BOOKKEEPING)
        read_only_fields = ("score",)


class ProjectIssueSerializer(ScopedModelSerializer):
    """An issue of a project; ``score`` is likelihood times impact, worked out."""

    owner = person_field("The username of the issue's owner.")

    class Meta:
        model = ProjectIssue
        fields = (*REGISTER, *BOOKKEEPING)
        read_only_fields = ("score",)
