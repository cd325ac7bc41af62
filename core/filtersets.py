"""Filter sets shared by list pages and the API, with scoped choices.

A filter over a related scoped model offers only what the person may see: use
`scoped_choices(Model)` as the filter's queryset, never ``Model.objects.all()``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import django_filters
from django.db.models import Q, QuerySet


def scoped_choices(model: Any) -> Callable[[Any], QuerySet[Any]]:
    """A queryset callable for ModelChoiceFilter: the records the requester can see."""

    def queryset(request: Any) -> QuerySet[Any]:
        user = getattr(request, "user", None)
        return model.objects.visible_to(user)

    return queryset


class ConcordFilterSet(django_filters.FilterSet):
    """Base filter set: a free-text `q` over the model's `search_fields`."""

    search_fields: tuple[str, ...] = ()

    q = django_filters.CharFilter(method="filter_search", label="Search")

    def filter_search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        value = value.strip()[:200]
        if not value or not self.search_fields:
            return queryset
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value})
        return queryset.filter(condition)
