"""The pages of the published contracts register: the councils whose register the reader may
download, and the two files of each (the Transparency Code CSV, the OCDS release package).

Mounted by contracts/urls.py under /contracts/register/; linked from the contracts list
(`register_links`). The files are the API's (contracts/api/publishing.py), streamed.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views import View

from contracts import publishing
from contracts.api.publishing import ocds_response, transparency_response
from contracts.models import Contract, ContractSettings
from core.councils import council_for
from core.tenancy.access import EXPORT, access_for
from core.tenancy.models import Partner


def exportable_councils(user: Any) -> list[Partner]:
    """The councils whose contracts register `user` may download, by name."""
    ids = access_for(user).partner_ids(EXPORT, Contract.area)
    councils = Partner.objects.visible_to(user).order_by("name", "id")
    if ids is not None:
        councils = councils.filter(pk__in=ids)
    return list(councils)


def register_links(request: HttpRequest) -> list[tuple[str, str]]:
    """The link from the contracts list to the published register, for those who may
    download one."""
    if not access_for(request.user).can(EXPORT, Contract.area):
        return []
    return [("Publish the contracts register", reverse("contracts:register"))]


class RegisterView(LoginRequiredMixin, View):
    """Each council whose register the reader may download: how many contracts it publishes
    and the two files."""

    def get(self, request: HttpRequest) -> HttpResponse:
        councils = exportable_councils(request.user)
        if not councils:
            raise PermissionDenied("You may not export contracts.")
        prefixes = dict(
            ContractSettings.objects.visible_to(request.user).values_list(
                "partner_id", "ocid_prefix"
            )
        )
        rows = []
        for partner in councils:
            published = publishing.published_contracts(request.user, partner)
            rows.append(
                {
                    "partner": partner,
                    "published": published.count(),
                    "over_threshold": published.filter(
                        total_value__gt=publishing.TRANSPARENCY_THRESHOLD
                    ).count(),
                    "prefix": prefixes.get(partner.pk, ""),
                    "csv_url": reverse("contracts:register_transparency", args=[partner.code]),
                    "ocds_url": reverse("contracts:register_ocds", args=[partner.code]),
                    "api_csv": reverse("api:partner-transparency-contracts", args=[partner.code]),
                    "api_ocds": reverse("api:partner-ocds", args=[partner.code]),
                }
            )
        return TemplateResponse(request, "contracts/register.html", {"rows": rows})


class OcdsDownloadView(LoginRequiredMixin, View):
    """The council's OCDS release package, as a download."""

    def get(self, request: HttpRequest, code: str) -> StreamingHttpResponse:
        partner = council_for(request.user, code, EXPORT, Contract.area)
        uri = request.build_absolute_uri(reverse("api:partner-ocds", args=[partner.code]))
        return ocds_response(request, partner, uri)


class TransparencyDownloadView(LoginRequiredMixin, View):
    """The council's Transparency Code contracts CSV, as a download."""

    def get(self, request: HttpRequest, code: str) -> StreamingHttpResponse:
        partner = council_for(request.user, code, EXPORT, Contract.area)
        return transparency_response(request, partner)


urlpatterns = [
    path("contracts/register/", RegisterView.as_view(), name="register"),
    path(
        "contracts/register/<slug:code>/ocds.json",
        OcdsDownloadView.as_view(),
        name="register_ocds",
    ),
    path(
        "contracts/register/<slug:code>/transparency.csv",
        TransparencyDownloadView.as_view(),
        name="register_transparency",
    ),
]
