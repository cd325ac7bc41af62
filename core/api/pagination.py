"""Cursor pagination for the API, on the same keyset machinery as the list pages.

``?cursor=`` (opaque, from a previous response), ``?page_size=`` (up to
``settings.CONCORD_MAX_PAGE_SIZE``) and ``?ordering=`` (comma-separated names from the
viewset's ``ordering_fields``, ``-`` for descending). The response is
``{"next": url|null, "previous": url|null, "results": [...]}``. No COUNT(*) is ever run: a page
deep in a million rows costs what the first one does.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from core.pagination import InvalidCursor, KeysetPage, default_ordering, keyset_page


def sortable_fields(model: Any, names: tuple[str, ...] | list[str]) -> list[str]:
    """The names a list may be sorted by: keyset pagination needs non-null columns."""
    usable = []
    for name in names:
        current, field = model, None
        for part in name.split("__"):
            field = current._meta.get_field(part)
            current = field.related_model or current
        if field is not None and not field.null:
            usable.append(name)
    return usable


class KeysetPagination(BasePagination):
    """``{"next", "previous", "results"}`` pages over `core.pagination.keyset_page`."""

    cursor_query_param = "cursor"
    page_size_query_param = "page_size"
    ordering_query_param = "ordering"

    def __init__(self) -> None:
        self.page: KeysetPage | None = None
        self.request: Request | None = None

    # Reading the query string -------------------------------------------------------------

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param) or ""
        maximum = settings.CONCORD_MAX_PAGE_SIZE
        if not raw:
            return min(settings.CONCORD_PAGE_SIZE, maximum)
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= maximum:
            raise ValidationError(
                {self.page_size_query_param: [f"Give a whole number from 1 to {maximum}."]},
                code="invalid",
            )
        return size

    def allowed_ordering(self, view: Any, model: Any) -> list[str]:
        """The fields this list may be sorted by."""
        return sortable_fields(model, tuple(getattr(view, "ordering_fields", ()) or ()))

    def default_ordering(self, view: Any, model: Any) -> list[str]:
        return default_ordering(model)

    def get_ordering(self, request: Request, view: Any, model: Any) -> list[str]:
        raw = request.query_params.get(self.ordering_query_param, "").strip()
        if not raw:
            return self.default_ordering(view, model)
        allowed = self.allowed_ordering(view, model)
        terms = [t.strip() for t in raw.split(",")]
        names = [t.removeprefix("-") for t in terms]
        if any(name not in allowed for name in names) or len(set(names)) != len(names):
            choices = ", ".join(allowed) or "none"
            raise ValidationError(
                {
                    self.ordering_query_param: [
                        f"Sort by one or more of: {choices} (prefix '-' for descending)."
                    ]
                },
                code="invalid",
            )
        return terms

    # Paging -------------------------------------------------------------------------------

    def paginate_queryset(
        self, queryset: QuerySet[Any], request: Request, view: Any = None
    ) -> list[Any]:
        self.request = request
        size = self.get_page_size(request)
        ordering = self.get_ordering(request, view, queryset.model)
        cursor = request.query_params.get(self.cursor_query_param) or None
        try:
            self.page = keyset_page(queryset, ordering, cursor, size)
        except InvalidCursor as exc:
            raise ValidationError({self.cursor_query_param: [str(exc)]}, code="invalid") from exc
        return self.page.rows

    def _link(self, cursor: str | None) -> str | None:
        if cursor is None or self.request is None:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, cursor)

    def get_next_link(self) -> str | None:
        return self._link(self.page.next_cursor if self.page else None)

    def get_previous_link(self) -> str | None:
        return self._link(self.page.previous_cursor if self.page else None)

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data}
        )

    def first_page_link(self) -> str | None:
        """The list from its start (the same filters and sort, no cursor)."""
        if self.request is None:
            return None
        return remove_query_param(self.request.build_absolute_uri(), self.cursor_query_param)

    # OpenAPI ------------------------------------------------------------------------------

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        link = {"type": "string", "format": "uri", "nullable": True}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": {**link, "description": "The next page, or null on the last page."},
                "previous": {
                    **link,
                    "description": "The previous page, or null on the first page.",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        model = view.get_model() if hasattr(view, "get_model") else None
        allowed = self.allowed_ordering(view, model) if model is not None else []
        maximum = settings.CONCORD_MAX_PAGE_SIZE
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "The page to fetch: the cursor from a previous `next` or "
                "`previous` link.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows per page (1 to {maximum}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": maximum},
            },
            {
                "name": self.ordering_query_param,
                "required": False,
                "in": "query",
                "description": "Sort by a comma-separated list of "
                + (", ".join(f"`{name}`" for name in allowed) or "nothing")
                + "; prefix `-` for descending.",
                "schema": {"type": "string"},
            },
        ]
