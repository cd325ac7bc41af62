"""Pages of the asset register: the generic pages of each model (core.views.generic), the
actions on an asset's page (move, seen at a stock-take), the impact page of a configuration
item, the end-of-support report and the stock-take's overdue list. Rules are the services'.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views import View

from assets import services
from assets.choices import AssetKind, LifecycleState
from assets.filtersets import (
    AssetFilterSet,
    CIRelationshipFilterSet,
    ConfigurationItemFilterSet,
    HardwareModelFilterSet,
    ManufacturerFilterSet,
    StocktakePolicyFilterSet,
)
from assets.forms import (
    AssetForm,
    CIRelationshipForm,
    ConfigurationItemForm,
    HardwareModelForm,
    HorizonForm,
    ImpactForm,
    ManufacturerForm,
    MoveForm,
    SightingForm,
    StocktakePolicyForm,
)
from assets.models import (
    Asset,
    CIRelationship,
    ConfigurationItem,
    HardwareModel,
    Manufacturer,
    Sighting,
    StocktakePolicy,
)
from assets.tables import (
    AssetTable,
    CIRelationshipTable,
    ConfigurationItemTable,
    HardwareModelTable,
    ManufacturerTable,
    StocktakePolicyTable,
)
from core.navigation import Need
from core.tenancy.access import CHANGE, VIEW, access_for
from core.tenancy.models import Partner
from core.views.actions import RecordAction
from core.views.generic import ModelViews, Related

#: Rows a report page shows before asking the reader to narrow it.
REPORT_LIMIT = 500


class ManufacturerViews(ModelViews):
    """Makers of hardware: a catalogue every council reads and service staff edit."""

    model = Manufacturer
    filterset_class = ManufacturerFilterSet
    table_class = ManufacturerTable
    form_class = ManufacturerForm
    nav_label = "Manufacturers"
    nav_order = 60


class HardwareModelViews(ModelViews):
    """Models of hardware and their end of life."""

    model = HardwareModel
    filterset_class = HardwareModelFilterSet
    table_class = HardwareModelTable
    form_class = HardwareModelForm
    nav_label = "Hardware models"
    nav_order = 61


class AssetViews(ModelViews):
    """Hardware: a council's lead and the shared service's staff manage it; auditors read."""

    model = Asset
    filterset_class = AssetFilterSet
    table_class = AssetTable
    form_class = AssetForm
    nav_label = "Assets"
    nav_order = 10
    on_council_page = True
    detail_fields: ClassVar[list[str] | None] = [
        "kind",
        "asset_tag",
        "serial_number",
        "name",
        "hardware_model",
        "state",
        "os_name",
        "os_version",
        "support_ends",
        "assigned_to",
        "site",
        "last_seen_at",
        "purchased_on",
        "purchase_cost",
        "order_number",
        "supplier",
        "warranty_ends",
        "notes",
    ]

    @classmethod
    def detail_context(cls, obj: Asset, request: HttpRequest) -> dict[str, Any]:
        user = request.user
        may = AssetAction.allowed(user, obj)
        sightings = list(
            Sighting.objects.visible_to(user)
            .filter(asset=obj)
            .select_related("seen_by", "site")
            .order_by("-seen_at", "-id")[:20]
        )
        items = ConfigurationItem.objects.visible_to(user).filter(asset=obj).first()
        move_form = None
        if may["move"]:
            move_form = MoveForm(user=user, instance=obj)
            labels = dict(LifecycleState.choices)
            move_form.fields["to_state"].choices = [  # type: ignore[attr-defined]
                (state, labels[state]) for state in services.allowed_moves(obj)
            ]
        return {
            "moves": list(services.moves_of(obj, user)),
            "disposal": services.disposal_of(obj, user),
            "sightings": sightings,
            "may": may,
            "configuration_item": items,
            "move_form": move_form,
            "sighting_form": SightingForm(user=user, instance=obj) if may["sighting"] else None,
        }


class StocktakePolicyViews(ModelViews):
    """Each council's stock-take interval, set by its lead."""

    model = StocktakePolicy
    filterset_class = StocktakePolicyFilterSet
    table_class = StocktakePolicyTable
    form_class = StocktakePolicyForm
    nav_label = "Stock-take intervals"
    nav_order = 32


class ConfigurationItemViews(ModelViews):
    """Services, applications and infrastructure, and what depends on what."""

    model = ConfigurationItem
    filterset_class = ConfigurationItemFilterSet
    table_class = ConfigurationItemTable
    form_class = ConfigurationItemForm
    nav_label = "Configuration items"
    nav_order = 20
    on_council_page = True
    related: ClassVar[list[Related]] = [
        Related(
            "Relationships",
            CIRelationship,
            lambda item: Q(source=item) | Q(target=item),
            CIRelationshipTable,
            list_param="item",
        )
    ]

    @classmethod
    def extra_links(cls, obj: Any, request: HttpRequest) -> list[tuple[str, str]]:
        return [
            ("What it affects (impact)", reverse("assets:configurationitem_impact", args=[obj.pk]))
        ]


class CIRelationshipViews(ModelViews):
    """Relationships between configuration items, seen by those who see both ends."""

    model = CIRelationship
    filterset_class = CIRelationshipFilterSet
    table_class = CIRelationshipTable
    form_class = CIRelationshipForm
    nav_label = "Relationships"
    nav_order = 21
    path_prefix = "ci-relationships"


# Actions on an asset's page -------------------------------------------------------------


class AssetAction(RecordAction):
    """One thing done to an asset from its page: moved to another state, or seen."""

    page_views = AssetViews

    @staticmethod
    def allowed(user: Any, asset: Asset) -> dict[str, bool]:
        """What `user` may do to `asset` from its page: both need the right to change it."""
        may = services.may_change(user, asset)
        return {
            "move": may and bool(services.allowed_moves(asset)),
            "sighting": may and asset.state != "disposed",
        }


class AssetMoveAction(AssetAction):
    action = "move"

    def make_form(self, request: HttpRequest, asset: Asset) -> Any:
        return MoveForm(request.POST, user=request.user, instance=asset)

    def act(self, request: HttpRequest, asset: Asset, data: dict[str, Any]) -> str:
        record = services.move(
            asset,
            data["to_state"],
            request.user,
            note=data.get("note", ""),
            disposal_method=data.get("disposal_method", ""),
            certificate_reference=data.get("certificate_reference", ""),
        )
        return f"{asset} moved to {record.get_to_state_display().lower()}."


class AssetSightingAction(AssetAction):
    action = "sighting"

    def make_form(self, request: HttpRequest, asset: Asset) -> Any:
        return SightingForm(request.POST, user=request.user, instance=asset)

    def act(self, request: HttpRequest, asset: Asset, data: dict[str, Any]) -> str:
        services.record_sighting(asset, request.user, location=data.get("location", ""))
        return f"{asset} recorded as seen."


# Report pages -----------------------------------------------------------------------------


def _may_view_assets(request: HttpRequest) -> None:
    if not access_for(request.user).can(VIEW, Asset.area):
        raise PermissionDenied


class ImpactView(LoginRequiredMixin, View):
    """What a failure of one configuration item would affect, to a chosen depth."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        if pk > 2**63 - 1:
            raise Http404
        item = get_object_or_404(ConfigurationItem.objects.visible_to(request.user), pk=pk)
        form = ImpactForm(request.GET or {"depth": 3})
        result = None
        if form.is_valid():
            result = services.impact(item, request.user, form.cleaned_data["depth"])
        context = {
            "object": item,
            "form": form if form.errors else None,
            "impact_form": form,
            "result": result,
            "list_url": reverse(ConfigurationItem.url_name("list")),
        }
        return TemplateResponse(
            request, "assets/impact.html", context, status=400 if form.errors else 200
        )


class EndOfSupportView(LoginRequiredMixin, View):
    """Each council's systems out of support, and those whose support ends within a horizon."""

    def get(self, request: HttpRequest) -> HttpResponse:
        _may_view_assets(request)
        form = HorizonForm(request.GET or {"months": 12})
        councils = list(Partner.objects.visible_to(request.user).order_by("name"))
        sections = []
        if form.is_valid():
            months = form.cleaned_data["months"]
            today = timezone.localdate()
            for council in councils:
                rows = services.end_of_support(request.user, months, today, partner=council)
                found = list(rows.select_related("hardware_model")[: REPORT_LIMIT + 1])
                lines = services.support_lines(found[:REPORT_LIMIT], today)
                if lines:
                    sections.append(
                        {
                            "council": council,
                            "lines": lines,
                            "ended": sum(1 for line in lines if line.ended),
                            "more": len(found) > REPORT_LIMIT,
                        }
                    )
        context = {
            "form": form if form.errors else None,
            "horizon_form": form,
            "sections": sections,
            "list_url": reverse(Asset.url_name("list")),
        }
        return TemplateResponse(
            request, "assets/end_of_support.html", context, status=400 if form.errors else 200
        )


class StocktakeDueView(LoginRequiredMixin, View):
    """The assets overdue for a stock-take, by their councils' intervals."""

    def get(self, request: HttpRequest) -> HttpResponse:
        _may_view_assets(request)
        rows = services.overdue_for_check(request.user)
        found = list(rows.select_related("site")[: REPORT_LIMIT + 1])
        councils = list(Partner.objects.visible_to(request.user).order_by("name"))
        intervals = services.check_intervals(councils)
        labels = dict(AssetKind.choices)
        context = {
            "assets": found[:REPORT_LIMIT],
            "more": len(found) > REPORT_LIMIT,
            "intervals": [
                (c, [(labels[k], intervals[(c.pk, k)]) for k in AssetKind.values]) for c in councils
            ],
            "policies_url": reverse(StocktakePolicy.url_name("list")),
            "list_url": reverse(Asset.url_name("list")),
        }
        return TemplateResponse(request, "assets/stocktake_due.html", context)


def asset_urls() -> list[Any]:
    """The URLs of an asset's actions, the impact page and the reports."""
    prefix = AssetViews.prefix()
    return [
        path(f"{prefix}/<int:pk>/move/", AssetMoveAction.as_view(), name="asset_move"),
        path(f"{prefix}/<int:pk>/seen/", AssetSightingAction.as_view(), name="asset_sighting"),
        path(f"{prefix}/end-of-support/", EndOfSupportView.as_view(), name="end_of_support"),
        path(f"{prefix}/stock-take-due/", StocktakeDueView.as_view(), name="stocktake_due"),
        path(
            f"{ConfigurationItemViews.prefix()}/<int:pk>/impact/",
            ImpactView.as_view(),
            name="configurationitem_impact",
        ),
    ]


def home_needs(user: Any) -> list[Need]:
    """What of the asset register needs `user` on the home page, among the assets they see:
    for those who may change assets, systems out of support and assets overdue for a check."""
    access = access_for(user)
    if not access.can(CHANGE, Asset.area):
        return []
    today = timezone.localdate()
    unsupported = services.end_of_support(user, 0, today).filter(support_ends__lt=today).count()
    overdue = services.overdue_for_check(user, today).count()
    return [
        Need(
            "Assets out of operating system support",
            unsupported,
            f"{reverse('assets:end_of_support')}?months=0",
            urgent=True,
        ),
        Need("Assets overdue for a stock-take", overdue, reverse("assets:stocktake_due")),
    ]
