"""The filter backend of the API: the pages' filter sets, strict about what a client sends.

The pages' filter sets (partners/filtersets.py...) serve the API unchanged. A form on a page
quietly ignores a yes/no value it does not recognise; an API client should hear about it, so a
yes/no filter takes ``true``/``false`` (or ``1``/``0``, ``yes``/``no``) and anything else is a
400 naming the filter.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ErrorDetail, ValidationError

TRUE = {"true", "1", "yes"}
FALSE = {"false", "0", "no"}


class ConcordFilterBackend(DjangoFilterBackend):
    """django-filter's DRF backend, with yes/no filters checked and normalised."""

    def get_filterset_kwargs(self, request: Any, queryset: Any, view: Any) -> dict[str, Any]:
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return kwargs
        data = kwargs["data"].copy()
        errors: dict[str, list[ErrorDetail]] = {}
        for name, declared in filterset_class.base_filters.items():
            if not isinstance(declared, django_filters.BooleanFilter) or name not in data:
                continue
            raw = data.get(name, "").strip().lower()
            if raw in TRUE:
                data[name] = "true"
            elif raw in FALSE:
                data[name] = "false"
            elif raw:
                errors[name] = [ErrorDetail("Use true or false.", code="invalid_choice")]
        if errors:
            raise ValidationError(errors)
        kwargs["data"] = data
        return kwargs

    def filter_queryset(self, request: Any, queryset: Any, view: Any) -> Any:
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and not _asks_to_filter(request, filterset_class):
            # No filter named in the request: the filter set would change nothing, and building
            # its form (a field per filter, with scoped choices) is a visible share of a list.
            return queryset
        return super().filter_queryset(request, queryset, view)


def _asks_to_filter(request: Any, filterset_class: Any) -> bool:
    """Whether the request names any filter of `filterset_class` (or the class may filter
    with no parameter at all, which only a filter set of its own `filter_queryset` can)."""
    if filterset_class.filter_queryset is not django_filters.FilterSet.filter_queryset:
        return True
    params = request.query_params
    if not params:
        return False
    for name in filterset_class.base_filters:
        # A range filter takes suffixed parameters (``starts_on_after``...).
        if any(key == name or key.startswith(f"{name}_") for key in params):
            return True
    return False
