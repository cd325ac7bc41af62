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
