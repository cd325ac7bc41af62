"""Generic pages that move data in and out: list export (CSV/XLSX) and import (CSV/XLSX).

Every domain model gets them by wiring ``ExportView.as_view(model=..., filterset_class=...)`` at
``<model>_export`` and ``ImportView.as_view(model=...)`` at ``<model>_import``. Both start from
the one visibility mechanism (``Model.objects.visible_to(user, action)``) and ask the grant table
(partners.access) whether the person may export or import in the model's area at all.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    StreamingHttpResponse,
)
from django.utils import timezone
from django.views import View

from core.exporting import csv_chunks, export_columns, xlsx_tempfile
from core.partner_filter import selected_partner
from partners.access import EXPORT, access_for

SORT_PARAMS = ("sort", "o", "ordering")


def sorted_queryset(
    queryset: models.QuerySet[Any], request: HttpRequest, allowed: set[str]
) -> models.QuerySet[Any]:
    """Apply the list page's sort (``?sort=name`` or ``?sort=-name``) when it names a column.

    An unknown sort is ignored rather than refused: the export then follows the default order.
    The primary key always breaks ties, so that the order is stable.
    """
    for param in SORT_PARAMS:
        value = request.GET.get(param, "").strip()
        if not value:
            continue
        keys = []
        for part in value.split(","):
            name = part.strip().lstrip("-")
            if name in allowed:
                keys.append(part.strip())
        if keys:
            if not any(k.lstrip("-") in ("id", "pk") for k in keys):
                keys.append("pk")
            return queryset.order_by(*keys)
    ordering = list(queryset.query.order_by or queryset.model._meta.ordering or [])
    if not any(str(k).lstrip("-") in ("id", "pk") for k in ordering):
        ordering.append("pk")
    return queryset.order_by(*ordering)


def narrowed_to_selected_partner(
    queryset: models.QuerySet[Any], request: HttpRequest
) -> models.QuerySet[Any]:
    """Narrow to the council chosen in the header's partner filter (never widens)."""
    partner = selected_partner(request)
    if partner is None:
        return queryset
    condition = queryset.model.ownership_filter([partner.pk])
    if condition is None:  # catalogue records belong to nobody: the filter does not apply
        return queryset
    return queryset.filter(condition)


class ExportView(LoginRequiredMixin, View):
    """The list page's rows, filtered and sorted as on the page, as CSV or XLSX.

    ``GET ?format=csv|xlsx&<the list's filters>&sort=<column>``. Only the rows the person may
    export are written; the header's partner filter narrows them further.
    """

    model: type[models.Model] | None = None
    filterset_class: type[Any] | None = None
    formats = ("csv", "xlsx")

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        model = self.model
        if model is None:
            raise PermissionDenied
        if not access_for(request.user).can(EXPORT, model.area):  # type: ignore[attr-defined]
            raise PermissionDenied
        fmt = request.GET.get("format", "csv").lower()
        if fmt not in self.formats:
            return HttpResponseBadRequest(
                "Choose an export format: csv or xlsx.", content_type="text/plain"
            )
        queryset = model.objects.visible_to(request.user, EXPORT)  # type: ignore[attr-defined]
        if self.filterset_class is not None:
            data = request.GET.copy()
            for param in ("format", *SORT_PARAMS, "cursor", "page"):
                data.pop(param, None)
            filterset = self.filterset_class(data, queryset=queryset, request=request)
            if not filterset.is_valid():
                return HttpResponseBadRequest(
                    "The filters are not valid: go back to the list and correct them.",
                    content_type="text/plain",
                )
            queryset = filterset.qs
        queryset = narrowed_to_selected_partner(queryset, request)
        columns = export_columns(model)
        allowed = {f.name for f in model._meta.concrete_fields} | {"pk"}
        queryset = sorted_queryset(queryset, request, allowed)
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        name = model._meta.verbose_name_plural.replace(" ", "-").lower()  # type: ignore[union-attr]
        filename = f"{name}-{stamp}.{fmt}"
        if fmt == "csv":
            response: HttpResponse = StreamingHttpResponse(  # type: ignore[assignment]
                csv_chunks(queryset, columns), content_type="text/csv; charset=utf-8"
            )
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
        else:
            out = xlsx_tempfile(queryset, columns, title=str(model._meta.verbose_name_plural))
            response = FileResponse(  # type: ignore[assignment]
                out,
                as_attachment=True,
                filename=filename,
                content_type=("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            )
        response["Cache-Control"] = "no-store"
        return response


class ImportView(LoginRequiredMixin, View):
    """Upload a CSV or XLSX file of records, check it (dry run), then confirm the import."""

    model: type[models.Model] | None = None
    #: Accepted so that every data page is wired alike; an import does not filter.
    filterset_class: type[Any] | None = None

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        model = self.model
        if model is None or not access_for(request.user).can("import", model.area):  # type: ignore[attr-defined]
            raise PermissionDenied
        # The upload form, dry-run report and confirmation are being built; see core.importing.
        return HttpResponse("Import is not available yet.", content_type="text/plain")
