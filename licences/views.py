"""Pages of the licences app: the generic pages of products, agreements and assignments
(core.views.generic), and three pages of their own: the compliance position, renewals due
with the true-up forecast, and the joint-licensing report.

The figures come from licences.services; these views choose what to ask for and draw it.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views import View

from core.forms import ScopedForm
from core.navigation import Need
from core.tenancy.access import VIEW, access_for
from core.tenancy.models import Partner
from core.views.generic import ModelViews, Related
from licences import services
from licences.filtersets import (
    InstallationFilterSet,
    LicenceAgreementFilterSet,
    LicenceAssignmentFilterSet,
    SoftwareProductFilterSet,
)
from licences.forms import (
    InstallationForm,
    LicenceAgreementForm,
    LicenceAssignmentForm,
    SoftwareProductForm,
)
from licences.models import Installation, LicenceAgreement, LicenceAssignment, SoftwareProduct
from licences.tables import (
    InstallationTable,
    LicenceAgreementTable,
    LicenceAssignmentTable,
    SoftwareProductTable,
)


class SoftwareProductViews(ModelViews):
    """Software products: a catalogue every council reads and service staff edit."""

    model = SoftwareProduct
    filterset_class = SoftwareProductFilterSet
    table_class = SoftwareProductTable
    form_class = SoftwareProductForm
    nav_label = "Software products"
    nav_group = "licences"
    nav_order = 30


class LicenceAgreementViews(ModelViews):
    """Licence agreements, owned by the councils that hold them; an agreement's page says
    how many of its seats are free and lists those assigned (that the reader can see)."""

    model = LicenceAgreement
    filterset_class = LicenceAgreementFilterSet
    table_class = LicenceAgreementTable
    form_class = LicenceAgreementForm
    nav_label = "Licence agreements"
    on_council_page = True
    nav_order = 10
    related = [
        Related(
            "Seats assigned",
            LicenceAssignment,
            "agreement",
            LicenceAssignmentTable,
            list_param="agreement",
        )
    ]

    @classmethod
    def detail_rows(cls, obj: Any, request: HttpRequest) -> list[tuple[str, Any]]:
        from django.utils.html import format_html

        rows = super().detail_rows(obj, request)
        free = services.seats_free(obj)
        rows.append(("Seats free", format_html("{} of {}", free, obj.quantity)))
        return rows


class LicenceAssignmentViews(ModelViews):
    """Seats of agreements assigned to a council's people and devices."""

    model = LicenceAssignment
    filterset_class = LicenceAssignmentFilterSet
    table_class = LicenceAssignmentTable
    form_class = LicenceAssignmentForm
    nav_label = "Licence assignments"
    nav_order = 20


class InstallationViews(ModelViews):
    """Software found on a council's devices: the use the compliance position counts."""

    model = Installation
    filterset_class = InstallationFilterSet
    table_class = InstallationTable
    form_class = InstallationForm
    nav_label = "Installations"
    nav_order = 25
    #: A device's page lists the software found on it (the assets app knows nothing of
    #: licences: decision 0021).
    shown_on = (("assets.Asset", "device"),)


# Compliance -----------------------------------------------------------------------------------


class ComplianceFilter(ScopedForm):
    """The compliance page's filters: a council the reader may see, a product."""

    partner = forms.ModelChoiceField(
        queryset=Partner.objects.none(), required=False, label="Council"
    )
    product = forms.ModelChoiceField(
        queryset=SoftwareProduct.objects.none(), required=False, label="Product"
    )
    shortfall_only = forms.BooleanField(required=False, label="Only products short of seats")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        partner: Any = self.fields["partner"]
        visible = access_for(user).partner_ids(VIEW, LicenceAgreement.area)
        councils = Partner.objects.visible_to(user).order_by("name")
        if visible is not None:
            councils = councils.filter(pk__in=visible)
        partner.queryset = councils
        partner.error_messages["invalid_choice"] = "Choose a council from the list"
        partner.empty_label = "Every council you can see"
        product: Any = self.fields["product"]
        product.queryset = SoftwareProduct.objects.visible_to(user).order_by("name")
        product.error_messages["invalid_choice"] = "Choose a product from the list"
        product.empty_label = "Any product"


def _may_read_licences(request: HttpRequest) -> None:
    if not access_for(request.user).can(VIEW, LicenceAgreement.area):
        raise PermissionDenied


class ComplianceView(LoginRequiredMixin, View):
    """Each product's position for each council the reader may see and for the
    partnership: entitled, used, short or spare, and what that costs."""

    def get(self, request: HttpRequest) -> HttpResponse:
        _may_read_licences(request)
        form = ComplianceFilter(request.GET or None, user=request.user)
        partners = products = None
        shortfall_only = False
        if form.is_bound and form.is_valid():
            if form.cleaned_data.get("partner") is not None:
                partners = [form.cleaned_data["partner"]]
            if form.cleaned_data.get("product") is not None:
                products = [form.cleaned_data["product"]]
            shortfall_only = bool(form.cleaned_data.get("shortfall_only"))
        rows = (
            []
            if form.errors
            else services.compliance(
                request.user, partners=partners, products=products, partnership=partners is None
            )
        )
        if shortfall_only:
            short = {r.product.pk for r in rows if r.shortfall}
            rows = [r for r in rows if r.product.pk in short]
        context = {
            "form": form if form.errors else None,
            "filter_form": form,
            "rows": rows,
            "short": sum(1 for r in rows if r.partner is None and r.shortfall),
            "agreements_url": reverse(LicenceAgreement.url_name("list")),
        }
        status = 400 if form.errors else 200
        return TemplateResponse(request, "licences/compliance.html", context, status=status)


# Renewals -------------------------------------------------------------------------------------


class RenewalsFilter(ScopedForm):
    """How far ahead the renewals page looks."""

    within = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=1095,
        label="Falling due within (days)",
        error_messages={
            "invalid": "Enter the days as a whole number, like 90",
            "min_value": "Enter at least 1 day",
            "max_value": "Enter at most 1095 days (three years)",
        },
    )


#: How far ahead the renewals page looks unless asked.
DEFAULT_WITHIN = 180


class RenewalsView(LoginRequiredMixin, View):
    """Agreements whose renewal (or end) falls due soon, soonest first, with the seats in
    use and the true-up forecast at the due date."""

    def get(self, request: HttpRequest) -> HttpResponse:
        _may_read_licences(request)
        form = RenewalsFilter(request.GET or None, user=request.user)
        within = DEFAULT_WITHIN
        if form.is_bound and form.is_valid() and form.cleaned_data.get("within"):
            within = form.cleaned_data["within"]
        if not form.is_bound:
            form = RenewalsFilter(initial={"within": within}, user=request.user)
        renewals = [] if form.errors else services.renewals_due(request.user, within)
        context = {
            "form": form if form.errors else None,
            "filter_form": form,
            "renewals": renewals,
            "within": within,
        }
        status = 400 if form.errors else 200
        return TemplateResponse(request, "licences/renewals.html", context, status=status)


# Joint licensing ------------------------------------------------------------------------------


class JointLicensingView(LoginRequiredMixin, View):
    """Products more than one council licenses separately: the reader's own lines, the
    partnership's combined quantity and cost, and the saving of buying once."""

    def get(self, request: HttpRequest) -> HttpResponse:
        _may_read_licences(request)
        report = services.joint_licensing(request.user)
        context = {
            "report": report,
            "total_saving": sum(
                (item.saving for item in report if item.saving is not None), services.money(0)
            ),
            "withheld": services.WITHHELD,
            "with_totals": sum(1 for item in report if not item.totals_withheld),
        }
        return TemplateResponse(request, "licences/joint_licensing.html", context)


def home_needs(user: Any) -> list[Need]:
    """Agreements the reader can see falling due within the next 90 days."""
    if not access_for(user).can(VIEW, LicenceAgreement.area):
        return []
    today = timezone.localdate()
    horizon = today + datetime.timedelta(days=90)
    count = (
        LicenceAgreement.objects.visible_to(user)
        .annotate(due=Coalesce("renewal_on", "ends_on"))
        .filter(due__isnull=False, due__lte=horizon)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .count()
    )
    if not count:
        return []
    return [
        Need(
            "Licence agreements due for renewal within 90 days",
            count,
            reverse("licences:renewals") + "?within=90",
        )
    ]


def report_urls() -> list[Any]:
    """The URLs of the compliance, renewals and joint-licensing pages."""
    return [
        path("licence-compliance/", ComplianceView.as_view(), name="compliance"),
        path("licence-renewals/", RenewalsView.as_view(), name="renewals"),
        path("joint-licensing/", JointLicensingView.as_view(), name="joint_licensing"),
    ]
