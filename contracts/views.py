"""Pages of the contracts app: the generic pages of each model (core.views.generic) and the
pages that are not a model's list. Rules are the services'."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views import View

from contracts import services
from contracts.choices import ContractStatus
from contracts.filtersets import (
    BreakClauseFilterSet,
    ContractExtensionFilterSet,
    ContractFilterSet,
    ContractSettingsFilterSet,
    ExitMilestoneFilterSet,
    ExitPlanFilterSet,
    KpiFilterSet,
    KpiMeasureFilterSet,
    ServiceCreditFilterSet,
    SupplierContactFilterSet,
    SupplierFilterSet,
)
from contracts.forms import (
    AsOfForm,
    BreakClauseForm,
    ContractExtensionForm,
    ContractForm,
    ContractSettingsForm,
    DecisionsFilter,
    ExitMilestoneForm,
    ExitPlanForm,
    KpiForm,
    KpiMeasureForm,
    MergeForm,
    NoticeForm,
    ServiceCreditForm,
    SupplierContactForm,
    SupplierForm,
    TerminateForm,
)
from contracts.models import (
    BreakClause,
    Contract,
    ContractExtension,
    ContractSettings,
    ExitMilestone,
    ExitPlan,
    Kpi,
    KpiMeasure,
    ServiceCredit,
    Supplier,
    SupplierContact,
)
from contracts.tables import (
    BreakClauseTable,
    ContractExtensionTable,
    ContractSettingsTable,
    ContractTable,
    ExitMilestoneTable,
    ExitPlanTable,
    KpiMeasureTable,
    KpiTable,
    ServiceCreditTable,
    SupplierContactTable,
    SupplierTable,
)
from core import feeds
from core.forms import add_validation_error
from core.navigation import Need
from core.pagination import InvalidCursor, keyset_page
from core.tenancy.access import CHANGE, DELETE, VIEW, access_for
from core.views.actions import RecordAction
from core.views.generic import ModelViews, Related

#: Rows a report page shows before asking the reader to narrow it.
REPORT_LIMIT = 500
#: The decisions-due list's horizon when none is chosen, in days.
DEFAULT_WITHIN = 180
#: The decisions-due list: soonest first, a page of this many at a time (keyset on the
#: stored date and the id, with the index `contract_decision_by`: a page costs the same
#: however many contracts the register holds).
DECISIONS_ORDER = ["decision_by", "id"]
DECISIONS_PAGE_SIZE = 50
#: The name of the contracts' feed among a person's feeds (core.feeds).
FEED = "contracts"


class SupplierViews(ModelViews):
    """Suppliers: a catalogue every council reads and service staff keep."""

    model = Supplier
    filterset_class = SupplierFilterSet
    table_class = SupplierTable
    form_class = SupplierForm
    nav_label = "Suppliers"
    nav_group = "contracts"
    nav_order = 20
    related: ClassVar[list[Related]] = [
        Related("Contacts", SupplierContact, "supplier", SupplierContactTable, "supplier"),
        Related("Contracts", Contract, "supplier", ContractTable, "supplier"),
    ]

    @classmethod
    def extra_links(cls, obj: Any, request: HttpRequest) -> list[tuple[str, str]]:
        links = [("Scorecard", reverse("contracts:supplier_scorecard", args=[obj.pk]))]
        if may_merge(request.user):
            links.append(
                ("Merge into another supplier", reverse("contracts:supplier_merge", args=[obj.pk]))
            )
        return links


class SupplierContactViews(ModelViews):
    model = SupplierContact
    filterset_class = SupplierContactFilterSet
    table_class = SupplierContactTable
    form_class = SupplierContactForm


class ContractViews(ModelViews):
    """Contracts, held by one council or jointly in shares."""

    model = Contract
    filterset_class = ContractFilterSet
    table_class = ContractTable
    form_class = ContractForm
    nav_label = "Contracts"
    nav_order = 10
    on_council_page = True
    related: ClassVar[list[Related]] = [
        Related(
            "Extension options", ContractExtension, "contract", ContractExtensionTable, "contract"
        ),
        Related("Break clauses", BreakClause, "contract", BreakClauseTable, "contract"),
        Related("Exit plan", ExitPlan, "contract", ExitPlanTable, "contract"),
        Related("KPIs", Kpi, "contract", KpiTable, "contract"),
        Related("Service credits", ServiceCredit, "contract", ServiceCreditTable, "contract"),
    ]

    @classmethod
    def detail_context(cls, obj: Contract, request: HttpRequest) -> dict[str, Any]:
        form = AsOfForm(request.GET or None, user=request.user)
        on = None
        if form.is_bound and form.is_valid():
            on = form.cleaned_data.get("on")
        may = ContractAction.allowed(request.user, obj)
        return {
            "dates": services.dates(obj, on),
            "decision": services.decision_kind(obj, on),
            "as_of_form": form,
            "notice_form": NoticeForm(user=request.user) if may["notice"] else None,
            "terminate_form": TerminateForm(user=request.user) if may["terminate"] else None,
        }

    @classmethod
    def list_links(cls, request: Any) -> list[tuple[str, str]]:
        """The published register's page (contracts/publishing_views.py)."""
        from contracts.publishing_views import register_links

        return register_links(request)


class ContractExtensionViews(ModelViews):
    model = ContractExtension
    filterset_class = ContractExtensionFilterSet
    table_class = ContractExtensionTable
    form_class = ContractExtensionForm


class BreakClauseViews(ModelViews):
    model = BreakClause
    filterset_class = BreakClauseFilterSet
    table_class = BreakClauseTable
    form_class = BreakClauseForm


class ContractSettingsViews(ModelViews):
    model = ContractSettings
    filterset_class = ContractSettingsFilterSet
    table_class = ContractSettingsTable
    form_class = ContractSettingsForm
    nav_label = "Contracts settings"
    nav_order = 90


class ExitPlanViews(ModelViews):
    model = ExitPlan
    filterset_class = ExitPlanFilterSet
    table_class = ExitPlanTable
    form_class = ExitPlanForm
    nav_label = "Exit plans"
    nav_order = 30
    related: ClassVar[list[Related]] = [
        Related("Milestones", ExitMilestone, "plan", ExitMilestoneTable, "plan"),
    ]


class ExitMilestoneViews(ModelViews):
    model = ExitMilestone
    filterset_class = ExitMilestoneFilterSet
    table_class = ExitMilestoneTable
    form_class = ExitMilestoneForm


class KpiViews(ModelViews):
    model = Kpi
    filterset_class = KpiFilterSet
    table_class = KpiTable
    form_class = KpiForm
    nav_label = "KPIs"
    nav_order = 40
    related: ClassVar[list[Related]] = [
        Related("Measures", KpiMeasure, "kpi", KpiMeasureTable, "kpi"),
    ]


class KpiMeasureViews(ModelViews):
    model = KpiMeasure
    filterset_class = KpiMeasureFilterSet
    table_class = KpiMeasureTable
    form_class = KpiMeasureForm


class ServiceCreditViews(ModelViews):
    model = ServiceCredit
    filterset_class = ServiceCreditFilterSet
    table_class = ServiceCreditTable
    form_class = ServiceCreditForm


# Actions on a contract's page --------------------------------------------------------------


class ContractAction(RecordAction):
    """One thing done to a contract from its page: notice given, or terminated."""

    page_views = ContractViews

    @staticmethod
    def allowed(user: Any, contract: Contract) -> dict[str, bool]:
        may = access_for(user).can(CHANGE, Contract.area, contract.owning_partner_ids())
        return {
            "notice": may and contract.status == ContractStatus.ACTIVE,
            "terminate": may
            and contract.status not in (ContractStatus.EXPIRED, ContractStatus.TERMINATED),
        }


class ContractNoticeAction(ContractAction):
    action = "notice"

    def make_form(self, request: HttpRequest, contract: Contract) -> Any:
        return NoticeForm(request.POST, user=request.user)

    def act(self, request: HttpRequest, contract: Contract, data: dict[str, Any]) -> str:
        try:
            ends = services.give_notice(contract, data["given_on"])
        except ValidationError as exc:
            raise ValidationError({"given_on": exc.messages}) from exc
        return f"Notice recorded: {contract} ends on {ends:%d %B %Y}."


class ContractTerminateAction(ContractAction):
    action = "terminate"

    def make_form(self, request: HttpRequest, contract: Contract) -> Any:
        return TerminateForm(request.POST, user=request.user)

    def act(self, request: HttpRequest, contract: Contract, data: dict[str, Any]) -> str:
        services.terminate(contract, data["terminated_on"])
        return f"{contract} terminated on {data['terminated_on']:%d %B %Y}."


# Suppliers: merge and scorecard ------------------------------------------------------------


def may_merge(user: Any) -> bool:
    """Merging changes records that name the supplier and deletes it: the catalogue's keepers."""
    access = access_for(user)
    return access.can(CHANGE, Supplier.area) and access.can(DELETE, Supplier.area)


class SupplierMergeView(LoginRequiredMixin, View):
    """Merge a supplier into another: every record of any app naming it moves to the other,
    each move change-logged, and it is deleted."""

    def supplier(self, request: HttpRequest, pk: int) -> Supplier:
        if pk > 2**63 - 1:
            raise Http404
        found = get_object_or_404(Supplier.objects.visible_to(request.user), pk=pk)
        if not may_merge(request.user):
            raise PermissionDenied
        return found

    def render(
        self, request: HttpRequest, supplier: Supplier, form: Any, status: int = 200
    ) -> HttpResponse:
        context = {"supplier": supplier, "form": form, "errors": bool(form.errors)}
        return TemplateResponse(request, "contracts/supplier_merge.html", context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        supplier = self.supplier(request, pk)
        return self.render(request, supplier, MergeForm(user=request.user, supplier=supplier))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        supplier = self.supplier(request, pk)
        form = MergeForm(request.POST, user=request.user, supplier=supplier)
        if form.is_valid():
            into = form.cleaned_data["into"]
            try:
                with transaction.atomic():
                    moved = services.merge_suppliers(into, supplier)
            except ValidationError as exc:
                add_validation_error(form, exc)
            else:
                count = sum(moved.values())
                messages.success(
                    request,
                    f"{supplier} merged into {into}: {count} record{'s' if count != 1 else ''} "
                    "moved.",
                )
                return HttpResponseRedirect(into.get_absolute_url())
        return self.render(request, supplier, form, status=400)


class SupplierScorecardView(LoginRequiredMixin, View):
    """A supplier's performance across the contracts the reader sees (their council's own,
    or every council's for the shared service): each KPI's latest measure and its last
    twelve months' RAG counts, and the service credits."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        if pk > 2**63 - 1:
            raise Http404
        supplier = get_object_or_404(Supplier.objects.visible_to(request.user), pk=pk)
        if not access_for(request.user).can(VIEW, Contract.area):
            raise PermissionDenied
        card = services.scorecard(request.user, supplier)
        return TemplateResponse(
            request, "contracts/supplier_scorecard.html", {"supplier": supplier, "card": card}
        )


# Decisions due, the feed, the transition view ----------------------------------------------


def _may_view_contracts(request: HttpRequest) -> None:
    if not access_for(request.user).can(VIEW, Contract.area):
        raise PermissionDenied


class DecisionsDueView(LoginRequiredMixin, View):
    """The contracts whose next decision (give notice, exercise an option, review, replace)
    falls due soon, or is overdue, soonest first; and the reader's calendar address."""

    def get(self, request: HttpRequest) -> HttpResponse:
        _may_view_contracts(request)
        form = DecisionsFilter(request.GET or None, user=request.user)
        within = DEFAULT_WITHIN
        if form.is_bound and form.is_valid() and form.cleaned_data.get("within"):
            within = form.cleaned_data["within"]
        if not form.is_bound:
            form = DecisionsFilter(initial={"within": within}, user=request.user)
        today = timezone.localdate()
        page = None
        if not form.errors:
            found = services.decisions_due(request.user, today, within)
            cursor = request.GET.get("cursor") or None
            try:
                page = keyset_page(found, DECISIONS_ORDER, cursor, DECISIONS_PAGE_SIZE)
            except InvalidCursor:
                # A cursor that cannot be read starts the list again, as the generic lists do.
                page = keyset_page(found, DECISIONS_ORDER, None, DECISIONS_PAGE_SIZE)
        rows = [
            {
                "contract": contract,
                "what": services.decision_of(contract, today),
                "days_left": (contract.decision_by - today).days if contract.decision_by else 0,
            }
            for contract in (page.rows if page else [])
        ]
        secret = request.session.pop("concord_contracts_feed_secret", None)
        context = {
            "form": form if form.errors else None,
            "filter_form": form,
            "rows": rows,
            "page": page,
            "within": within,
            "has_feed": feeds.has_feed(request.user, FEED),
            "feed_url": (
                request.build_absolute_uri(reverse("contracts:feed", args=[secret]))
                if secret
                else None
            ),
        }
        status = 400 if form.errors else 200
        return TemplateResponse(request, "contracts/decisions_due.html", context, status=status)


class FeedSecretView(LoginRequiredMixin, View):
    """Make (or remake) the person's contracts calendar address; the old one stops working."""

    def post(self, request: HttpRequest) -> HttpResponse:
        _may_view_contracts(request)
        request.session["concord_contracts_feed_secret"] = feeds.new_feed_secret(request.user, FEED)
        messages.success(
            request,
            "Your calendar address is below. Copy it now: it is shown only once. Any address "
            "you had before no longer works.",
        )
        return HttpResponseRedirect(reverse("contracts:decisions_due") + "#calendar")


class FeedView(View):
    """The contracts' dates as an iCalendar feed at the person's secret address: no session,
    the person's own view of the contracts, 404 for an unknown or old secret."""

    def get(self, request: HttpRequest, secret: str) -> HttpResponse:
        person = feeds.feed_person(secret, FEED)
        if person is None or not access_for(person).can(VIEW, Contract.area):
            raise Http404
        response = HttpResponse(
            services.calendar_feed(person, timezone.localdate()),
            content_type="text/calendar; charset=utf-8",
        )
        response["Cache-Control"] = "private, no-store"
        response["Content-Disposition"] = 'inline; filename="contracts.ics"'
        return response


class TransitionView(LoginRequiredMixin, View):
    """Every contract the reader sees ending in the next 24 months, soonest first, with the
    state of its exit plan."""

    def get(self, request: HttpRequest) -> HttpResponse:
        _may_view_contracts(request)
        today = timezone.localdate()
        rows = services.transition(request.user, today)
        return TemplateResponse(
            request,
            "contracts/transition.html",
            {"rows": rows[:REPORT_LIMIT], "more": len(rows) > REPORT_LIMIT, "today": today},
        )


def contract_urls() -> list[Any]:
    """The URLs of a contract's actions, the supplier merge and scorecard, and the reports."""
    prefix = ContractViews.prefix()
    suppliers = SupplierViews.prefix()
    return [
        path(f"{prefix}/<int:pk>/notice/", ContractNoticeAction.as_view(), name="contract_notice"),
        path(
            f"{prefix}/<int:pk>/terminate/",
            ContractTerminateAction.as_view(),
            name="contract_terminate",
        ),
        path(f"{prefix}/decisions-due/", DecisionsDueView.as_view(), name="decisions_due"),
        path(f"{prefix}/transition/", TransitionView.as_view(), name="transition"),
        path(f"{prefix}/calendar/", FeedSecretView.as_view(), name="feed_secret"),
        path(f"{prefix}/calendar/<str:secret>.ics", FeedView.as_view(), name="feed"),
        path(f"{suppliers}/<int:pk>/merge/", SupplierMergeView.as_view(), name="supplier_merge"),
        path(
            f"{suppliers}/<int:pk>/scorecard/",
            SupplierScorecardView.as_view(),
            name="supplier_scorecard",
        ),
    ]


def home_needs(user: Any) -> list[Need]:
    """Contract decisions overdue or due within 30 days, among the contracts `user` sees, for
    those who may change contracts."""
    if not access_for(user).can(CHANGE, Contract.area):
        return []
    today = timezone.localdate()
    due = services.decisions_due(user, today, 30).aggregate(
        overdue=Count("pk", filter=Q(decision_by__lt=today)), soon=Count("pk")
    )
    url = reverse("contracts:decisions_due")
    return [
        Need("Contract decisions overdue", due["overdue"], f"{url}?within=1", urgent=True),
        Need("Contract decisions due within 30 days", due["soon"], f"{url}?within=30"),
    ]
