"""Pages of the portfolio app: programmes, projects, their milestones, dependencies, links,
reports, risks and issues (the generic pages of each model), the joint roadmap and the
milestones' calendar feed. Rules are the services'."""

from __future__ import annotations

import datetime
from typing import Any, ClassVar

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views import View

from core import feeds
from core.forms import ScopedForm
from core.navigation import NavEntry, Need
from core.tenancy.access import CHANGE, VIEW, access_for
from core.tenancy.models import Partner
from core.views.generic import ModelViews, Related
from portfolio import services
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
from portfolio.forms import (
    MilestoneForm,
    ProgrammeForm,
    ProjectDependencyForm,
    ProjectForm,
    ProjectIssueForm,
    ProjectLinkForm,
    ProjectReportForm,
    RiskForm,
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
from portfolio.tables import (
    MilestoneTable,
    ProgrammeTable,
    ProjectDependencyTable,
    ProjectIssueTable,
    ProjectLinkTable,
    ProjectReportTable,
    ProjectTable,
    RiskTable,
)

#: The name of the milestones' feed among a person's feeds (core.feeds).
FEED = "portfolio"


class ProgrammeViews(ModelViews):
    """Programmes, held by one council or jointly in shares."""

    model = Programme
    filterset_class = ProgrammeFilterSet
    table_class = ProgrammeTable
    form_class = ProgrammeForm
    nav_label = "Programmes"
    nav_order = 10
    on_council_page = True
    related: ClassVar[list[Related]] = [
        Related("Projects", Project, "programme", ProjectTable, "programme"),
    ]


class ProjectViews(ModelViews):
    """Projects, with their money, RAG history, registers and links."""

    model = Project
    filterset_class = ProjectFilterSet
    table_class = ProjectTable
    form_class = ProjectForm
    nav_label = "Projects"
    nav_order = 20
    on_council_page = True
    related: ClassVar[list[Related]] = [
        Related("Milestones", Milestone, "project", MilestoneTable, "project"),
        Related("Risks", Risk, "project", RiskTable, "project"),
        Related("Issues", ProjectIssue, "project", ProjectIssueTable, "project"),
        Related("Depends on", ProjectDependency, "project", ProjectDependencyTable, "project"),
        Related("Linked records", ProjectLink, "project", ProjectLinkTable, "project"),
        Related("Reports", ProjectReport, "project", ProjectReportTable, "project"),
    ]

    @classmethod
    def detail_context(cls, obj: Project, request: HttpRequest) -> dict[str, Any]:
        return {
            "money": services.project_money(request.user, obj),
            "history": services.rag_history(request.user, obj),
        }


class MilestoneViews(ModelViews):
    model = Milestone
    filterset_class = MilestoneFilterSet
    table_class = MilestoneTable
    form_class = MilestoneForm
    nav_label = "Milestones"
    nav_order = 30


class ProjectDependencyViews(ModelViews):
    model = ProjectDependency
    filterset_class = ProjectDependencyFilterSet
    table_class = ProjectDependencyTable
    form_class = ProjectDependencyForm


class ProjectLinkViews(ModelViews):
    model = ProjectLink
    filterset_class = ProjectLinkFilterSet
    table_class = ProjectLinkTable
    form_class = ProjectLinkForm


class ProjectReportViews(ModelViews):
    model = ProjectReport
    filterset_class = ProjectReportFilterSet
    table_class = ProjectReportTable
    form_class = ProjectReportForm
    nav_label = "Project reports"
    nav_order = 40


class RiskViews(ModelViews):
    model = Risk
    filterset_class = RiskFilterSet
    table_class = RiskTable
    form_class = RiskForm
    nav_label = "Risks"
    nav_order = 50


class ProjectIssueViews(ModelViews):
    model = ProjectIssue
    filterset_class = ProjectIssueFilterSet
    table_class = ProjectIssueTable
    form_class = ProjectIssueForm
    nav_label = "Issues"
    nav_order = 60


# The roadmap and the feed -----------------------------------------------------------------


def _may_view(user: Any) -> None:
    if not access_for(user).can(VIEW, Project.area):
        raise PermissionDenied


class RoadmapFilter(ScopedForm):
    """Which council's roadmap, and from when."""

    council = forms.ModelChoiceField(
        queryset=Partner.objects.none(),
        required=False,
        empty_label="All your councils together",
        label="Council",
    )
    start = forms.DateField(
        label="From", required=False, help_text="For example, 2026-04-01. Empty: this quarter."
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        field: Any = self.fields["council"]
        field.queryset = Partner.objects.visible_to(user).order_by("name")
        # The generic form names an optional choice's blank "None": here it is every council.
        field.empty_label = "All your councils together"


#: How many quarters the roadmap shows.
ROADMAP_QUARTERS = 8


class RoadmapView(LoginRequiredMixin, View):
    """The joint roadmap: programmes, projects and milestones with contract ends, exit
    milestones and change freezes, by quarter; a timeline drawn over the same data with
    JavaScript (static/concord/roadmap.js)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        _may_view(request.user)
        form = RoadmapFilter(request.GET or None, user=request.user)
        today = timezone.localdate()
        start = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
        partner = None
        if form.is_bound and form.is_valid():
            partner = form.cleaned_data.get("council")
            chosen = form.cleaned_data.get("start")
            if chosen:
                start = chosen.replace(month=(chosen.month - 1) // 3 * 3 + 1, day=1)
        end = datetime.date(
            start.year + ROADMAP_QUARTERS // 4, start.month, 1
        ) - datetime.timedelta(days=1)
        items = [] if form.errors else services.roadmap_items(request.user, start, end, partner)
        context = {
            "form": form if form.errors else None,
            "filter_form": form,
            "partner": partner,
            "start": start,
            "end": end,
            "quarters": services.by_quarter(items, start, end),
            "items": items,
            "timeline": {
                "start": start.isoformat(),
                "end": end.isoformat(),
                "items": [item.as_json() for item in items],
            },
            "has_feed": feeds.has_feed(request.user, FEED),
            "feed_url": None,
        }
        secret = request.session.pop("concord_portfolio_feed_secret", None)
        if secret:
            context["feed_url"] = request.build_absolute_uri(
                reverse("portfolio:feed", args=[secret])
            )
        status = 400 if form.errors else 200
        return TemplateResponse(request, "portfolio/roadmap.html", context, status=status)


class FeedSecretView(LoginRequiredMixin, View):
    """Make (or remake) the person's milestones calendar address; the old one stops working."""

    def post(self, request: HttpRequest) -> HttpResponse:
        _may_view(request.user)
        request.session["concord_portfolio_feed_secret"] = feeds.new_feed_secret(request.user, FEED)
        messages.success(
            request,
            "Your calendar address is below. Copy it now: it is shown only once. Any address "
            "you had before no longer works.",
        )
        return HttpResponseRedirect(reverse("portfolio:roadmap") + "#calendar")


class FeedView(View):
    """The milestones as an iCalendar feed at the person's secret address: no session, the
    person's own view of the projects, 404 for an unknown or old secret."""

    def get(self, request: HttpRequest, secret: str) -> HttpResponse:
        person = feeds.feed_person(secret, FEED)
        if person is None or not access_for(person).can(VIEW, Project.area):
            raise Http404
        response = HttpResponse(
            services.calendar_feed(person, timezone.localdate()),
            content_type="text/calendar; charset=utf-8",
        )
        response["Cache-Control"] = "private, no-store"
        response["Content-Disposition"] = 'inline; filename="milestones.ics"'
        return response


urlpatterns: list[Any] = [
    path("portfolio/roadmap/", RoadmapView.as_view(), name="roadmap"),
    path("portfolio/calendar/", FeedSecretView.as_view(), name="feed_secret"),
    path("portfolio/calendar/<str:secret>.ics", FeedView.as_view(), name="feed"),
    *ProgrammeViews.urls(),
    *ProjectViews.urls(),
    *MilestoneViews.urls(),
    *ProjectDependencyViews.urls(),
    *ProjectLinkViews.urls(),
    *ProjectReportViews.urls(),
    *RiskViews.urls(),
    *ProjectIssueViews.urls(),
]


def nav_entries() -> list[Any]:
    """The portfolio's pages in the navigation that are not a model's list (the roadmap)."""
    return [NavEntry("Roadmap", "portfolio:roadmap", "portfolio", area="portfolio")]


def home_needs(user: Any) -> list[Any]:
    """Risks due for review and last month's reports missing, among what `user` sees, for
    those who may change the portfolio."""
    if not access_for(user).can(CHANGE, Project.area):
        return []
    today = timezone.localdate()
    risks = services.entries_due(Risk.objects.visible_to(user), today).aggregate(n=Count("pk"))
    missing = services.missing_reports(Project.objects.visible_to(user), today).aggregate(
        n=Count("pk", filter=Q(pk__isnull=False))
    )
    risk_url = f"{reverse(Risk.url_name('list'))}?status=open&review_due={today.isoformat()}"
    report_url = reverse(ProjectReport.url_name("list"))
    return [
        Need("Risks due for review", risks["n"], risk_url, urgent=True),
        Need(
            f"Project reports missing for {services.last_month(today):%B %Y}",
            missing["n"],
            report_url,
            urgent=True,
        ),
    ]
