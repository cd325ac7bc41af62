"""Pages of frameworks, call-offs and purchasing: the generic pages of each model
(core.views.generic) and the pages of their rules: a framework's spend, submitting and deciding
a purchase request, deciding a held call-off, receiving goods, and ordering approved requests
(one council's or several's) as one order.

The rules are in contracts.procurement_services; these views choose what to ask and draw it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.views import View

from contracts import procurement_services as services
from contracts.procurement import (
    CallOff,
    CallOffLine,
    CallOffStatus,
    Framework,
    FrameworkExtension,
    FrameworkLot,
    LotSupplier,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseRequest,
    PurchaseRequestLine,
    PurchasingSettings,
    RequestStatus,
)
from contracts.procurement_filtersets import (
    CallOffFilterSet,
    CallOffLineFilterSet,
    FrameworkExtensionFilterSet,
    FrameworkFilterSet,
    FrameworkLotFilterSet,
    LotSupplierFilterSet,
    PurchaseOrderFilterSet,
    PurchaseOrderLineFilterSet,
    PurchaseRequestFilterSet,
    PurchaseRequestLineFilterSet,
    PurchasingSettingsFilterSet,
)
from contracts.procurement_forms import (
    CallOffForm,
    CallOffLineForm,
    FrameworkExtensionForm,
    FrameworkForm,
    FrameworkLotForm,
    LotSupplierForm,
    PurchaseOrderForm,
    PurchaseOrderLineForm,
    PurchaseRequestForm,
    PurchaseRequestLineForm,
    PurchasingSettingsForm,
    ReceiveForm,
)
from contracts.procurement_tables import (
    CallOffLineTable,
    CallOffTable,
    FrameworkExtensionTable,
    FrameworkLotTable,
    FrameworkTable,
    LotSupplierTable,
    PurchaseOrderLineTable,
    PurchaseOrderTable,
    PurchaseRequestLineTable,
    PurchaseRequestTable,
    PurchasingSettingsTable,
)
from core.forms import ScopedForm, add_validation_error
from core.tenancy.access import ADD, CHANGE, access_for
from core.views.generic import ModelViews, Related


def _money(value: Any) -> str:
    return services.pounds(value)


class FrameworkViews(ModelViews):
    """Framework agreements: the page of one shows its term (after exercised extensions),
    its spend against the ceiling, its lots and its extension options."""

    model = Framework
    filterset_class = FrameworkFilterSet
    table_class = FrameworkTable
    form_class = FrameworkForm
    nav_label = "Frameworks"
    nav_order = 40
    related = [
        Related("Lots", FrameworkLot, "framework", FrameworkLotTable, list_param="framework"),
        Related(
            "Extension options",
            FrameworkExtension,
            "framework",
            FrameworkExtensionTable,
            list_param="framework",
        ),
    ]

    @classmethod
    def detail_rows(cls, obj: Any, request: HttpRequest) -> list[tuple[str, Any]]:
        rows = super().detail_rows(obj, request)
        spend = services.spend(obj, request.user)
        rows += [
            ("Initial term ends", format_html("{}", obj.initial_end_date().strftime("%-d %B %Y"))),
            (
                "Term ends (after exercised extensions)",
                format_html("{}", services.framework_end_date(obj).strftime("%-d %B %Y")),
            ),
            ("Committed", format_html("{} of {}", _money(spend.committed), _money(spend.ceiling))),
            ("Headroom", format_html("{}", _money(spend.headroom))),
        ]
        return rows

    @classmethod
    def extra_links(cls, obj: Any, request: HttpRequest) -> list[tuple[str, str]]:
        return [("Spend against the ceiling", reverse("contracts:framework_spend", args=[obj.pk]))]


class FrameworkExtensionViews(ModelViews):
    model = FrameworkExtension
    filterset_class = FrameworkExtensionFilterSet
    table_class = FrameworkExtensionTable
    form_class = FrameworkExtensionForm


class FrameworkLotViews(ModelViews):
    """A framework's lots: a lot's page lists its suppliers (with their SME status) and the
    call-offs from it the reader may see."""

    model = FrameworkLot
    filterset_class = FrameworkLotFilterSet
    table_class = FrameworkLotTable
    form_class = FrameworkLotForm
    related = [
        Related("Suppliers", LotSupplier, "lot", LotSupplierTable, list_param="lot"),
        Related("Call-offs", CallOff, "lot", CallOffTable, list_param="lot"),
    ]

    @classmethod
    def detail_rows(cls, obj: Any, request: HttpRequest) -> list[tuple[str, Any]]:
        rows = super().detail_rows(obj, request)
        suppliers = services.lot_suppliers(obj)
        rows.append(
            (
                "Suppliers",
                format_html_join(
                    ", ",
                    "{}{}",
                    ((s.name, " (SME)" if s.is_sme else "") for s in suppliers),
                )
                or format_html("{}", "None yet"),
            )
        )
        return rows


class LotSupplierViews(ModelViews):
    model = LotSupplier
    filterset_class = LotSupplierFilterSet
    table_class = LotSupplierTable
    form_class = LotSupplierForm


class CallOffViews(ModelViews):
    """Call-offs: a council's orders from a lot's suppliers."""

    model = CallOff
    filterset_class = CallOffFilterSet
    table_class = CallOffTable
    form_class = CallOffForm
    nav_label = "Call-offs"
    nav_order = 41
    on_council_page = True
    related = [Related("People and skills", CallOffLine, "call_off", CallOffLineTable, "call_off")]

    @classmethod
    def extra_links(cls, obj: Any, request: HttpRequest) -> list[tuple[str, str]]:
        if obj.status == CallOffStatus.HELD and services._is_service_manager(request.user):
            return [
                ("Approve past the ceiling", reverse("contracts:calloff_approve", args=[obj.pk])),
                ("Reject", reverse("contracts:calloff_reject", args=[obj.pk])),
            ]
        return []


class CallOffLineViews(ModelViews):
    model = CallOffLine
    filterset_class = CallOffLineFilterSet
    table_class = CallOffLineTable
    form_class = CallOffLineForm


class PurchasingSettingsViews(ModelViews):
    model = PurchasingSettings
    filterset_class = PurchasingSettingsFilterSet
    table_class = PurchasingSettingsTable
    form_class = PurchasingSettingsForm


class PurchaseRequestViews(ModelViews):
    """Purchase requests: added, given lines, submitted, and (above the council's threshold)
    approved by its IT lead."""

    model = PurchaseRequest
    filterset_class = PurchaseRequestFilterSet
    table_class = PurchaseRequestTable
    form_class = PurchaseRequestForm
    nav_label = "Purchase requests"
    nav_order = 42
    detail_fields = [
        "partner",
        "reference",
        "title",
        "requester",
        "supplier",
        "status",
        "total",
        "decided_by",
        "decided_on",
        "order",
    ]
    related = [
        Related("Lines", PurchaseRequestLine, "request", PurchaseRequestLineTable, "request")
    ]

    @classmethod
    def extra_links(cls, obj: Any, request: HttpRequest) -> list[tuple[str, str]]:
        links = []
        access = access_for(request.user)
        if obj.status == RequestStatus.DRAFT and access.can(CHANGE, obj.area, [obj.partner_id]):
            links.append(("Submit", reverse("contracts:purchaserequest_submit", args=[obj.pk])))
        if obj.status == RequestStatus.AWAITING_APPROVAL and services.is_lead_of(
            request.user, obj.partner_id
        ):
            links += [
                ("Approve", reverse("contracts:purchaserequest_approve", args=[obj.pk])),
                ("Reject", reverse("contracts:purchaserequest_reject", args=[obj.pk])),
            ]
        return links


class PurchaseRequestLineViews(ModelViews):
    model = PurchaseRequestLine
    filterset_class = PurchaseRequestLineFilterSet
    table_class = PurchaseRequestLineTable
    form_class = PurchaseRequestLineForm
    path_prefix = "purchase-request-lines"


class PurchaseOrderViews(ModelViews):
    """Purchase orders, one council's or joint: the page of one shows each council's part of
    the cost and its lines."""

    model = PurchaseOrder
    filterset_class = PurchaseOrderFilterSet
    table_class = PurchaseOrderTable
    form_class = PurchaseOrderForm
    nav_label = "Purchase orders"
    nav_order = 43
    detail_fields = ["reference", "supplier", "ordered_on", "status", "total", "notes"]
    related = [Related("Lines", PurchaseOrderLine, "order", PurchaseOrderLineTable, "order")]

    @classmethod
    def detail_rows(cls, obj: Any, request: HttpRequest) -> list[tuple[str, Any]]:
        rows = super().detail_rows(obj, request)
        split = services.cost_split(obj)
        if split:
            rows.append(
                (
                    "Cost by council",
                    format_html_join(
                        ", ", "{}: {}", ((p.name, _money(v)) for p, v in split.items())
                    ),
                )
            )
        return rows


class PurchaseOrderLineViews(ModelViews):
    model = PurchaseOrderLine
    filterset_class = PurchaseOrderLineFilterSet
    table_class = PurchaseOrderLineTable
    form_class = PurchaseOrderLineForm
    path_prefix = "purchase-order-lines"

    @classmethod
    def extra_links(cls, obj: Any, request: HttpRequest) -> list[tuple[str, str]]:
        if obj.received_quantity < obj.quantity and access_for(request.user).can(
            CHANGE, obj.area, obj.owning_partner_ids()
        ):
            return [
                ("Receive goods", reverse("contracts:purchaseorderline_receive", args=[obj.pk]))
            ]
        return []


# Spend ------------------------------------------------------------------------------------


class FrameworkSpendView(LoginRequiredMixin, View):
    """A framework's spend against its ceiling: in total, by lot, by council (those the
    reader may see by name), and the share with SMEs."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        framework = Framework.objects.visible_to(request.user).filter(pk=pk).first()
        if framework is None:
            raise Http404
        context = {
            "framework": framework,
            "spend": services.spend(framework, request.user),
            "end_date": services.framework_end_date(framework),
        }
        return TemplateResponse(request, "contracts/framework_spend.html", context)


# Actions ----------------------------------------------------------------------------------


class ActionView(LoginRequiredMixin, View, ABC):
    """A page that asks to confirm one action on a record (with a form where the action
    takes answers) and does it through the service on POST."""

    model: Any = None
    title = ""
    button = ""
    text = ""
    form_class: Any = None

    def record(self, request: HttpRequest, pk: int) -> Any:
        found = self.model.objects.visible_to(request.user).filter(pk=pk).first()
        if found is None:
            raise Http404
        return found

    def allowed(self, request: HttpRequest, obj: Any) -> bool:
        return access_for(request.user).can(CHANGE, obj.area, obj.owning_partner_ids())

    @abstractmethod
    def act(self, request: HttpRequest, obj: Any, data: dict[str, Any]) -> str:
        """Do the action through the services; the message to show."""

    def draw(self, request: HttpRequest, obj: Any, form: Any, status: int = 200) -> HttpResponse:
        context = {
            "obj": obj,
            "title": self.title.format(obj=obj),
            "text": self.text.format(obj=obj),
            "button": self.button,
            "form": form,
            "errors": form is not None and bool(form.errors),
        }
        return TemplateResponse(
            request, "contracts/procurement_action.html", context, status=status
        )

    def new_form(self, request: HttpRequest, data: Any = None) -> Any:
        if self.form_class is None:
            return None
        return self.form_class(data, user=request.user)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = self.record(request, pk)
        if not self.allowed(request, obj):
            raise PermissionDenied
        return self.draw(request, obj, self.new_form(request))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = self.record(request, pk)
        if not self.allowed(request, obj):
            raise PermissionDenied
        form = self.new_form(request, request.POST)
        data: dict[str, Any] = {}
        if form is not None:
            if not form.is_valid():
                return self.draw(request, obj, form, status=400)
            data = form.cleaned_data
        try:
            with transaction.atomic():
                done = self.act(request, obj, data)
        except ValidationError as exc:
            if form is None:
                form = forms.Form(data={})
                form.full_clean()
            add_validation_error(form, exc)
            return self.draw(request, obj, form, status=400)
        messages.success(request, done)
        return HttpResponseRedirect(obj.get_absolute_url())


class SubmitRequestView(ActionView):
    model = PurchaseRequest
    title = "Submit purchase request {obj.reference}"
    button = "Submit the request"
    text = (
        "Submitting sends the request on. Above the council's approval threshold it waits for "
        "the council's IT lead, who is emailed; otherwise it is approved at once."
    )

    def act(self, request: HttpRequest, obj: Any, data: dict[str, Any]) -> str:
        services.submit_request(obj, request.user)
        return f"Purchase request {obj.reference} is {obj.get_status_display().lower()}."


class DecideRequestView(ActionView):
    model = PurchaseRequest
    approve = True

    def allowed(self, request: HttpRequest, obj: Any) -> bool:
        return services.is_lead_of(request.user, obj.partner_id)

    def act(self, request: HttpRequest, obj: Any, data: dict[str, Any]) -> str:
        services.decide_request(obj, request.user, approve=self.approve)
        return f"Purchase request {obj.reference} {obj.get_status_display().lower()}."


class DecideCallOffView(ActionView):
    model = CallOff
    approve = True

    def allowed(self, request: HttpRequest, obj: Any) -> bool:
        return services._is_service_manager(request.user)

    def act(self, request: HttpRequest, obj: Any, data: dict[str, Any]) -> str:
        services.decide_call_off(obj, request.user, approve=self.approve)
        return f"Call-off {obj.reference} is {obj.get_status_display().lower()}."


class ReceiveView(ActionView):
    model = PurchaseOrderLine
    title = "Receive {obj.description}"
    button = "Record as received"
    text = (
        "Record the units delivered. Each unit of a hardware line becomes an asset record of "
        "the council that asked for it, in stock."
    )
    form_class = ReceiveForm

    def act(self, request: HttpRequest, obj: Any, data: dict[str, Any]) -> str:
        made = services.receive(obj, data["quantity"], data.get("received_on"), request.user)
        extra = f" {len(made)} asset record{'s' if len(made) != 1 else ''} made." if made else ""
        return f"{data['quantity']} received.{extra}"


class OrderRequestsForm(ScopedForm):
    """Approved requests (one council's or several's) to order as one purchase order."""

    requests = forms.ModelMultipleChoiceField(
        queryset=PurchaseRequest.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="Approved requests to order together",
        error_messages={"required": "Choose at least one approved request"},
    )
    reference = forms.CharField(label="Order reference", max_length=50)
    supplier = forms.ModelChoiceField(queryset=PurchaseRequest.objects.none(), label="Supplier")
    ordered_on = forms.DateField(label="Ordered on", required=False, help_text="Empty for today.")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        from contracts.models import Supplier

        field: Any = self.fields["requests"]
        field.queryset = PurchaseRequest.objects.visible_to(user, CHANGE).filter(
            status=RequestStatus.APPROVED
        )
        supplier: Any = self.fields["supplier"]
        supplier.queryset = Supplier.objects.visible_to(user).order_by("name")


class OrderRequestsView(LoginRequiredMixin, View):
    """Order approved requests as one purchase order (a joint purchase when they are several
    councils'), the cost split by quantity to the penny."""

    def check(self, request: HttpRequest) -> None:
        if not access_for(request.user).can(ADD, PurchaseOrder.area):
            raise PermissionDenied

    def draw(self, request: HttpRequest, form: Any, status: int = 200) -> HttpResponse:
        return TemplateResponse(
            request,
            "contracts/order_requests.html",
            {"form": form, "errors": bool(form.errors)},
            status=status,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        self.check(request)
        return self.draw(request, OrderRequestsForm(user=request.user))

    def post(self, request: HttpRequest) -> HttpResponse:
        self.check(request)
        form = OrderRequestsForm(request.POST, user=request.user)
        if not form.is_valid():
            return self.draw(request, form, status=400)
        data = form.cleaned_data
        try:
            with transaction.atomic():
                order = services.raise_order(
                    data["requests"], data["reference"], data["supplier"], data.get("ordered_on")
                )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
            return self.draw(request, form, status=400)
        messages.success(request, f"Purchase order {order.reference} placed.")
        return HttpResponseRedirect(order.get_absolute_url())


def procurement_urls() -> list[Any]:
    """The procurement pages: every model's generic pages and the pages of its rules."""
    return [
        path("frameworks/<int:pk>/spend/", FrameworkSpendView.as_view(), name="framework_spend"),
        path(
            "purchase-requests/<int:pk>/submit/",
            SubmitRequestView.as_view(),
            name="purchaserequest_submit",
        ),
        path(
            "purchase-requests/<int:pk>/approve/",
            DecideRequestView.as_view(
                approve=True,
                title="Approve purchase request {obj.reference}",
                button="Approve",
                text="{obj.title}: £{obj.total}. Once approved it can be ordered.",
            ),
            name="purchaserequest_approve",
        ),
        path(
            "purchase-requests/<int:pk>/reject/",
            DecideRequestView.as_view(
                approve=False,
                title="Reject purchase request {obj.reference}",
                button="Reject",
                text="{obj.title}: £{obj.total}. A rejected request is not ordered.",
            ),
            name="purchaserequest_reject",
        ),
        path(
            "call-offs/<int:pk>/approve/",
            DecideCallOffView.as_view(
                approve=True,
                title="Approve call-off {obj.reference} past the ceiling",
                button="Approve",
                text="£{obj.value}. Approving commits it although it takes the framework past "
                "its ceiling.",
            ),
            name="calloff_approve",
        ),
        path(
            "call-offs/<int:pk>/reject/",
            DecideCallOffView.as_view(
                approve=False,
                title="Reject call-off {obj.reference}",
                button="Reject",
                text="£{obj.value}. A rejected call-off is cancelled.",
            ),
            name="calloff_reject",
        ),
        path(
            "purchase-order-lines/<int:pk>/receive/",
            ReceiveView.as_view(),
            name="purchaseorderline_receive",
        ),
        path("purchase-orders/from-requests/", OrderRequestsView.as_view(), name="order_requests"),
        *FrameworkViews.urls(),
        *FrameworkExtensionViews.urls(),
        *FrameworkLotViews.urls(),
        *LotSupplierViews.urls(),
        *CallOffViews.urls(),
        *CallOffLineViews.urls(),
        *PurchasingSettingsViews.urls(),
        *PurchaseRequestViews.urls(),
        *PurchaseRequestLineViews.urls(),
        *PurchaseOrderViews.urls(),
        *PurchaseOrderLineViews.urls(),
    ]


def procurement_home_needs(user: Any) -> list[Any]:
    """What needs the reader on the home page: purchase requests awaiting their approval (the
    IT lead of the request's council) and call-offs held for approval past a framework's
    ceiling (the shared service's manager). Counted through `visible_to`, one query each."""
    from core.navigation import Need
    from core.tenancy.choices import CouncilRole
    from core.tenancy.models import Membership

    if not getattr(user, "is_authenticated", False):
        return []
    needs = []
    if services._is_service_manager(user):
        held = CallOff.objects.visible_to(user).filter(status=CallOffStatus.HELD).count()
        if held:
            url = f"{reverse(CallOff.url_name('list'))}?status=held"
            needs.append(Need("Call-offs held past a framework's ceiling", held, url, urgent=True))
    lead_of = list(
        Membership.objects.unscoped("the councils the reader leads")
        .filter(user_id=user.pk, role=CouncilRole.LEAD)
        .values_list("partner_id", flat=True)
    )
    if lead_of:
        waiting = (
            PurchaseRequest.objects.visible_to(user)
            .filter(status=RequestStatus.AWAITING_APPROVAL, partner_id__in=lead_of)
            .count()
        )
        if waiting:
            url = f"{reverse(PurchaseRequest.url_name('list'))}?status=awaiting_approval"
            needs.append(Need("Purchase requests awaiting your approval", waiting, url))
    return needs
