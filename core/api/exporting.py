"""The API's list export: ``GET /api/v1/<resource>/export/?format=csv|xlsx``.

Every endpoint of a domain model (a `ScopedModelViewSet`, or a read-only one) gets one,
mounted beside the router's routes by `export_urls` and named ``api:<basename>-export``. It is
the API list's rows, whole rather than a page at a time, as the list page's export writes them:

- the rows are ``Model.objects.visible_to(user, "export")``, narrowed by the endpoint's own
  filter set and checked as strictly as the list checks it (`ConcordFilterBackend`), in the
  list's order or its ``?ordering=`` (with the list's checks and error);
- the person needs the export grant in the model's area (403 without it, 401 with no
  credentials); token or session, as everywhere in the API;
- the file is `core.exporting.export_response`, the page export's own: the same columns,
  natural keys for related records, guarded against formulas, streamed;
- every problem with the request (a format other than csv or xlsx, a bad filter or sort) is a
  400 in the API's error shape. A filter naming a council the person cannot see is refused as
  an invalid choice, exactly as on the list, never answered with an empty file.

It is a view of its own rather than an action of the viewset: a viewset's content negotiation
reads ``?format=`` as a renderer's name (and answers 404 for csv), and the export takes none
of the list's pagination.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar, cast

from django.db.models import QuerySet
from django.http.response import HttpResponseBase
from django.urls import URLPattern, path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.filters import BaseFilterBackend
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.routers import BaseRouter

from core.api.filters import ConcordFilterBackend
from core.api.pagination import KeysetPagination
from core.api.viewsets import ScopedReadOnlyModelViewSet
from core.exporting import CSV_CONTENT_TYPE, EXPORT_FORMATS, XLSX_CONTENT_TYPE, export_response
from core.tenancy.access import EXPORT, access_for
from core.tenancy.records import ConcordModel

FORMAT_PARAM = "format"
BAD_FORMAT = "Choose an export format: csv or xlsx."
FILE = "The rows, a header row first: CSV (UTF-8), or an Excel workbook of one sheet."


class ExportPermission(BasePermission):
    """Signed in, and granted export in the model's area (for some council, or every one)."""

    message = "You may not export these records."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False  # DRF answers 401 to a request with no credentials
        return access_for(user).can(EXPORT, view.get_model().area)


class ExportOrdering(BaseFilterBackend):
    """``?ordering=`` as the API list reads it, then the id, so the file's order is stable."""

    def filter_queryset(self, request: Request, queryset: QuerySet[Any], view: Any) -> Any:
        # The list's own reading of the parameter: the same sortable fields, default and error.
        terms = KeysetPagination().get_ordering(request, view.viewset, queryset.model)
        if not any(term.lstrip("-") in ("id", "pk") for term in terms):
            terms = [*terms, "pk"]
        return queryset.order_by(*terms)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = KeysetPagination().get_schema_operation_parameters(view.viewset)
        return [p for p in parameters if p["name"] == KeysetPagination.ordering_query_param]


class ApiExportView(GenericAPIView):
    """``GET .../export/?format=csv|xlsx&<the list's filters>&ordering=...`` (see the module
    docstring). Mounted once per endpoint with ``as_view(viewset=...)``."""

    #: The endpoint whose list is exported: its model, filter set and sort fields.
    viewset: ClassVar[type[ScopedReadOnlyModelViewSet] | None] = None

    permission_classes = [ExportPermission]
    filter_backends = [ConcordFilterBackend, ExportOrdering]
    pagination_class = None
    renderer_classes = [JSONRenderer]

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # The file's type is the ``format`` parameter, which the view reads itself; DRF would
        # take it for a renderer's name and answer 404. What DRF renders here is an error: JSON.
        return super().perform_content_negotiation(request, force=True)

    def get_viewset(self) -> type[ScopedReadOnlyModelViewSet]:
        assert self.viewset is not None, "mount with ApiExportView.as_view(viewset=...)"
        return self.viewset

    def get_model(self) -> Any:
        return self.get_viewset().get_model()

    @property
    def filterset_class(self) -> Any:
        # Read by ConcordFilterBackend: the list's filter set, so the filters are the list's.
        return getattr(self.get_viewset(), "filterset_class", None)

    def get_queryset(self) -> QuerySet[Any]:
        """The rows the requester may export: the one visibility rule, with the export action."""
        return self.get_model().objects.visible_to(self.request.user, EXPORT)

    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        fmt = (request.query_params.get(FORMAT_PARAM) or "csv").strip().lower()
        if fmt not in EXPORT_FORMATS:
            raise ValidationError({FORMAT_PARAM: [ErrorDetail(BAD_FORMAT, code="invalid_choice")]})
        queryset = self.filter_queryset(self.get_queryset())
        return export_response(self.get_model(), queryset, fmt)


def export_view(viewset: type[ScopedReadOnlyModelViewSet], prefix: str) -> Any:
    """The export view of the endpoint at `prefix`, its OpenAPI description naming the model."""
    model = viewset.get_model()
    plural = str(model._meta.verbose_name_plural)
    described = extend_schema(
        # As the router's operations are named (sites_list, sites_import_create).
        operation_id=f"{prefix.replace('-', '_')}_export",
        summary=f"Export the {plural} you can see, as CSV or XLSX",
        description=(
            f"Every {model._meta.verbose_name} the list would show you (the list's filters, "
            "search and `ordering`), whole rather than paged, as a CSV (UTF-8) or XLSX file: "
            "the columns of the list page's export, related records by their natural key, "
            "text a spreadsheet would run as a formula prefixed with an apostrophe. Needs the "
            "export permission in the model's area. A bad format, filter or sort is a 400."
        ),
        parameters=[
            OpenApiParameter(
                FORMAT_PARAM,
                OpenApiTypes.STR,
                enum=list(EXPORT_FORMATS),
                default="csv",
                description="The file to send back: `csv` (the default) or `xlsx`.",
            )
        ],
        filters=True,
        responses={
            (200, CSV_CONTENT_TYPE.split(";")[0]): OpenApiResponse(OpenApiTypes.BINARY, FILE),
            (200, XLSX_CONTENT_TYPE): OpenApiResponse(OpenApiTypes.BINARY, FILE),
        },
    )

    # A method of its own per model (drf-spectacular keeps the description on the function).
    def get(self: ApiExportView, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return ApiExportView.get(self, request, *args, **kwargs)

    name = f"{model.__name__}ExportView"
    view_class = cast(type[ApiExportView], type(name, (ApiExportView,), {"get": described(get)}))
    return view_class.as_view(viewset=viewset)


def exportable(viewset: Any) -> bool:
    """Whether an endpoint offers an export: every endpoint of a domain model, read-only ones
    too (change approvals), unless it says ``exportable = False`` (attachments: files go with
    their record's partner export)."""
    return (
        isinstance(viewset, type)
        and issubclass(viewset, ScopedReadOnlyModelViewSet)
        and issubclass(viewset.get_model(), ConcordModel)
        and getattr(viewset, "exportable", True)
    )


def export_urls(router: BaseRouter) -> list[URLPattern]:
    """``<prefix>/export/`` for every exportable endpoint registered on `router`, named
    ``<basename>-export`` (``api:site-export``) after the router's own names."""
    registry: Iterable[tuple[str, Any, str]] = router.registry
    return [
        path(f"{prefix}/export/", export_view(viewset, prefix), name=f"{basename}-export")
        for prefix, viewset, basename in registry
        if exportable(viewset)
    ]
