"""The published contracts register of one council, by API (mounted by contracts/api/urls.py):

- ``GET /api/v1/partners/<code>/ocds/``: an OCDS 1.1.5 release package, one release per
  contract (JSON, streamed);
- ``GET /api/v1/partners/<code>/transparency-contracts/``: the Local Government Transparency
  Code 2015 contracts CSV (streamed).

The reader needs the export grant in the contracts area for that council (403 without it); a
council they may not see is a 404 (core.api.councils). What goes in: contracts.publishing.
"""

from __future__ import annotations

from typing import Any

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request

from contracts import publishing
from contracts.models import Contract
from core.api.councils import CouncilEndpoint, council_path
from core.tenancy.access import EXPORT

OCDS_CONTENT_TYPE = "application/json"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"

NOT_FOUND = OpenApiResponse(OpenApiTypes.OBJECT, "No council with this code that you can see.")
FORBIDDEN = OpenApiResponse(OpenApiTypes.OBJECT, "You may not export this council's contracts.")


def streamed(parts: Any, content_type: str, filename: str) -> StreamingHttpResponse:
    """A file sent as it is written, named for saving."""
    response = StreamingHttpResponse(parts, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def ocds_response(request: Any, partner: Any, uri: str) -> StreamingHttpResponse:
    """The council's OCDS release package as a download (pages and API)."""
    return streamed(
        publishing.ocds_package(request.user, partner, uri),
        OCDS_CONTENT_TYPE,
        f"{publishing.file_stem(partner, 'ocds')}.json",
    )


def transparency_response(request: Any, partner: Any) -> StreamingHttpResponse:
    """The council's Transparency Code contracts CSV as a download (pages and API)."""
    return streamed(
        publishing.transparency_csv(request.user, partner),
        CSV_CONTENT_TYPE,
        f"{publishing.file_stem(partner, 'transparency')}.csv",
    )


class OcdsPackageView(CouncilEndpoint):
    """The council's contracts register as an OCDS 1.1.5 release package."""

    area = Contract.area
    action = EXPORT

    @extend_schema(
        operation_id="partners_ocds",
        summary="The council's contracts register as an OCDS release package",
        description=(
            "One OCDS 1.1.5 release per contract the council owns or co-owns (drafts left "
            "out), streamed: ocid from the council's OCID prefix, the council as buyer, the "
            "supplier with its Companies House (GB-COH) or charity (GB-CHC) identifier, the "
            "award and contract with value, period and CPV-classified items. A co-owned "
            "contract's value is this council's share. Needs the export permission in the "
            "contracts area for the council."
        ),
        responses={
            (200, OCDS_CONTENT_TYPE): OpenApiResponse(
                OpenApiTypes.OBJECT, "An OCDS 1.1 release package."
            ),
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> StreamingHttpResponse:
        partner = self.get_council()
        return ocds_response(request, partner, request.build_absolute_uri())


class TransparencyContractsView(CouncilEndpoint):
    """The council's contracts over £5,000 as the Transparency Code's CSV."""

    area = Contract.area
    action = EXPORT

    @extend_schema(
        operation_id="partners_transparency_contracts",
        summary="The council's contracts over £5,000, as the Transparency Code 2015 CSV",
        description=(
            "The Local Government Transparency Code 2015's contract fields in the code's "
            "order (reference, title, department, description, supplier and details, value "
            "and annual spend, irrecoverable VAT, start, end and review dates, procurement "
            "route, SME and VCSE with registration numbers), then the OCID, CPV codes and the "
            "value's basis, one row per contract over £5,000, streamed as UTF-8 CSV. Needs "
            "the export permission in the contracts area for the council."
        ),
        responses={
            (200, CSV_CONTENT_TYPE.split(";")[0]): OpenApiResponse(
                OpenApiTypes.BINARY, "The CSV file, a header row first."
            ),
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> StreamingHttpResponse:
        partner = self.get_council()
        return transparency_response(request, partner)


urlpatterns = [
    council_path("ocds/", OcdsPackageView.as_view(), "partner-ocds"),
    council_path(
        "transparency-contracts/",
        TransparencyContractsView.as_view(),
        "partner-transparency-contracts",
    ),
]
