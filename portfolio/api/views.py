"""API endpoints of the portfolio app: the foundation's scoped viewsets, one per record."""

from __future__ import annotations

from core.api.viewsets import ScopedModelViewSet
from portfolio.api.serializers import (
    MilestoneSerializer,
    ProgrammeSerializer,
    ProjectDependencySerializer,
    ProjectIssueSerializer,
    ProjectLinkSerializer,
    ProjectReportSerializer,
    ProjectSerializer,
    RiskSerializer,
)
from portfolio.filtersets import (
    MilestoneFilterSet,
    ProgrammeFilterSet,
    ProjectDependencyFilterSet,
    ProjectFilterSet,
    ProjectIssueFilterSet,
    ProjectLinkFilterSet,
    ProjectReportFilterSet,
    RiskFilterSet,
)
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


class ProgrammeViewSet(ScopedModelViewSet):
    """Programmes, held by one council or jointly."""

    model = Programme
    serializer_class = ProgrammeSerializer
    filterset_class = ProgrammeFilterSet
    ordering_fields = ("reference", "name", "start_date")


class ProjectViewSet(ScopedModelViewSet):
    """Projects, held by one council or jointly, in a programme or not."""

    model = Project
    serializer_class = ProjectSerializer
    filterset_class = ProjectFilterSet
    ordering_fields = ("reference", "name", "start_date")


class MilestoneViewSet(ScopedModelViewSet):
    """Projects' milestones."""

    model = Milestone
    serializer_class = MilestoneSerializer
    filterset_class = MilestoneFilterSet
    ordering_fields = ("due_date", "name")


class ProjectDependencyViewSet(ScopedModelViewSet):
    """Dependencies between projects (seen by those who see both)."""

    model = ProjectDependency
    serializer_class = ProjectDependencySerializer
    filterset_class = ProjectDependencyFilterSet
    ordering_fields = ("created_at",)


class ProjectLinkViewSet(ScopedModelViewSet):
    """The records projects touch (seen by those who see both the project and the record)."""

    model = ProjectLink
    serializer_class = ProjectLinkSerializer
    filterset_class = ProjectLinkFilterSet
    ordering_fields = ("created_at",)


class ProjectReportViewSet(ScopedModelViewSet):
    """Projects' monthly reports, one per project per month."""

    model = ProjectReport
    serializer_class = ProjectReportSerializer
    filterset_class = ProjectReportFilterSet
    ordering_fields = ("period",)


class RiskViewSet(ScopedModelViewSet):
    """Projects' risks."""

    model = Risk
    serializer_class = RiskSerializer
    filterset_class = RiskFilterSet
    ordering_fields = ("score", "title")


class ProjectIssueViewSet(ScopedModelViewSet):
    """Projects' issues."""

    model = ProjectIssue
    serializer_class = ProjectIssueSerializer
    filterset_class = ProjectIssueFilterSet
    ordering_fields = ("score", "title")
