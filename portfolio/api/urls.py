"""API endpoints of the portfolio app (mounted by concord/api_urls.py)."""

from portfolio.api.views import (
    MilestoneViewSet,
    ProgrammeViewSet,
    ProjectDependencyViewSet,
    ProjectIssueViewSet,
    ProjectLinkViewSet,
    ProjectReportViewSet,
    ProjectViewSet,
    RiskViewSet,
)

routes = [
    ("programmes", ProgrammeViewSet, "programme"),
    ("projects", ProjectViewSet, "project"),
    ("milestones", MilestoneViewSet, "milestone"),
    ("project-dependencies", ProjectDependencyViewSet, "projectdependency"),
    ("project-links", ProjectLinkViewSet, "projectlink"),
    ("project-reports", ProjectReportViewSet, "projectreport"),
    ("risks", RiskViewSet, "risk"),
    ("issues", ProjectIssueViewSet, "projectissue"),
]
