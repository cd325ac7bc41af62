"""The filter backend of the API: the pages' filter sets, strict about what a client sends.

The pages' filter sets (partners/filtersets.py...) serve the API unchanged. A form on a page
quietly ignores a yes/no value it does not recognise; an API client should hear about it, so a
yes/no filter takes ``true``/``false`` (or ``1``/``0``, ``yes``/``no``) and anything else is a
400 naming the filter.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django_filters import utils as filter_utils
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ErrorDetail, ValidationError

from core.filtersets import ConcordFilterSet

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
        if filterset_class is None:
            return queryset
        kwargs = self.get_filterset_kwargs(request, queryset, view)
        renamed = getattr(filterset_class, "parameter_names", {})
        names: set[str] = set()
        by_its_filters = _filters_by_its_filters(filterset_class)
        if by_its_filters:
            # Only the filters the request names are copied and built: one not named is given
            # no value, and a filter with no value leaves the rows alone, but its form field (a
            # dropdown of the scoped choices, worked out per request) was built all the same.
            params = request.query_params
            names = {
                name
                for name in filterset_class.base_filters
                if _names(params, renamed.get(name, name))
            }
            if issubclass(filterset_class, ConcordFilterSet):
                kwargs["only"] = names
        filterset = filterset_class(**kwargs)
        if by_its_filters:
            kept = {renamed.get(name, name) for name in names}
            filterset.filters = type(filterset.filters)(
                (name, declared) for name, declared in filterset.filters.items() if name in kept
            )
        if not filterset.is_valid() and self.raise_exception:
            raise filter_utils.translate_validation(filterset.errors)
        return filterset.qs


def _filters_by_its_filters(filterset_class: Any) -> bool:
    """Whether the filter set filters only through its filters' values (not a
    `filter_queryset` of its own, which may filter with no parameter at all)."""
    return filterset_class.filter_queryset is django_filters.FilterSet.filter_queryset


def _names(params: Any, name: str) -> bool:
    """Whether the query `params` give filter `name` a value (a range filter takes suffixed
    parameters: ``starts_on_after``...)."""
    return any(key == name or key.startswith(f"{name}_") for key in params)


def _asks_to_filter(request: Any, filterset_class: Any) -> bool:
    """Whether the request names any filter of `filterset_class` (or the class may filter
    with no parameter at all, which only a filter set of its own `filter_queryset` can)."""
    if not _filters_by_its_filters(filterset_class):
        return True
    params = request.query_params
    if not params:
        return False
    renamed = getattr(filterset_class, "parameter_names", {})
    return any(_names(params, renamed.get(name, name)) for name in filterset_class.base_filters)
