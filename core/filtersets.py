"""Filter sets shared by list pages and the API, with scoped choices and safe times.

A filter over a related scoped model offers only what the person may see: use
`scoped_choices(Model)` as the filter's queryset, never ``Model.objects.all()``.

A filter on a time uses `DateTimeFilter` (this module's, never django-filter's): the one place
a time a client sends is read. It takes ISO 8601 with or without an offset, and refuses, as a
400 naming the filter, a time outside 0001-01-02 to 9999-12-30 once converted to UTC
(``0001-01-01T00:00:00+14:00`` is a time in the year 0), which the database driver would
otherwise fail to convert (a 500). `ConcordFilterSet` uses it for every time field a filter
set lists in ``Meta.fields`` without declaring a filter, and a related field listed that way
gets a `ScopedModelChoiceFilter` (django-filter's own would read the related table unscoped).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any, ClassVar

import django_filters
import django_filters.fields
from django import forms
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import Q, QuerySet
from django.db.models.constants import LOOKUP_SEP
from django.utils import timezone
from django_filters.conf import settings as filter_settings
from django_filters.filterset import FILTER_FOR_DBFIELD_DEFAULTS, remote_queryset


def scoped_rows(request: Any, model: Any) -> QuerySet[Any]:
    """The records of `model` the requester can see, as ONE queryset per request.

    Whoever iterates it first reads the rows (one query); everyone else in the same request
    reuses them: the header's council list and the council filter dropdown are the same rows.
    It is still ``visible_to(user)``, the one visibility rule; only the reading is shared.
    Chaining (``.filter()``...) makes a new queryset, as usual.
    """
    from core.related import without_bookkeeping

    holder = getattr(request, "_request", request)  # a DRF Request wraps Django's
    user = getattr(holder, "user", None)
    memo: dict[Any, QuerySet[Any]] = holder.__dict__.setdefault("_concord_scoped_rows", {})
    key = (model, getattr(user, "pk", None))
    if key not in memo:
        memo[key] = without_bookkeeping(model.objects.visible_to(user), own=True)
    return memo[key]


def listed_rows(form: Any) -> dict[Any, QuerySet[Any]]:
    """The request's shared rows (`scoped_rows`) offered by `form`'s dropdowns, by model.

    A page that draws the form reads them anyway; its list can take its rows' related records
    from them (core.related) rather than read them again.
    """
    found: dict[Any, QuerySet[Any]] = {}
    for field in form.fields.values():
        rows = getattr(field, "listed_rows", None)
        if rows is not None:
            found.setdefault(rows.model, rows)
    return found


def scoped_choices(model: Any) -> Callable[[Any], QuerySet[Any]]:
    """A queryset callable for ModelChoiceFilter: the records the requester can see."""

    def queryset(request: Any) -> QuerySet[Any]:
        if request is None:
            return model.objects.visible_to(None)
        return scoped_rows(request, model)

    return queryset


_CHOICE_QUERYSET: Any = vars(forms.ModelChoiceField)["queryset"]


class ListedModelChoiceField(django_filters.fields.ModelChoiceField):
    """A filter dropdown whose options are the request's shared rows (`scoped_rows`).

    Django clones a choice field's queryset whenever it is set or the form is copied, which
    would read the rows again; the shared queryset is kept beside it as `listed_rows` (used by
    core.forms.ListedModelChoiceIterator) until another queryset is set.
    """

    listed_rows: QuerySet[Any] | None = None

    def __init__(self, queryset: Any, **kwargs: Any) -> None:
        super().__init__(queryset, **kwargs)
        self.listed_rows = queryset

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        result = super().__deepcopy__(memo)
        result.listed_rows = self.listed_rows
        return result

    def _set_listed_queryset(self, queryset: Any) -> None:
        self.listed_rows = None
        _CHOICE_QUERYSET.fset(self, queryset)

    queryset = property(_CHOICE_QUERYSET.fget, _set_listed_queryset)


class ScopedModelChoiceFilter(django_filters.ModelChoiceFilter):
    """A filter over a related scoped model; give it ``queryset=scoped_choices(Model)``."""

    field_class = ListedModelChoiceField


# Times --------------------------------------------------------------------------------------

#: The times a filter takes, in UTC: a day inside each end of Python's calendar (years 1 to
#: 9999), so that the time can be shown in any time zone too (UK time in 0001 was 75 seconds
#: behind UTC: 0001-01-01T00:00:00Z is a time in the year 0 there).
EARLIEST = datetime.datetime(1, 1, 2, tzinfo=datetime.UTC)
LATEST = datetime.datetime(9999, 12, 30, 23, 59, 59, 999999, tzinfo=datetime.UTC)
OUT_OF_CALENDAR = "Give a time from 0001-01-02 to 9999-12-30 (UTC, once its offset is applied)."


def within_calendar(value: datetime.datetime) -> datetime.datetime:
    """`value`, if it is a time from `EARLIEST` to `LATEST` once converted to UTC.

    Python's datetime (and so every database driver) holds years 1 to 9999 only. A time near
    either end with an offset (``9999-12-31T23:59:59-14:00``) is a valid ISO 8601 string whose
    UTC time is not: converting it raises OverflowError deep in the driver, a 500. Checked
    here, where every filter reads a time, it is a 400 naming the filter instead.
    """
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    try:
        utc = value.astimezone(datetime.UTC)
    except OverflowError:
        utc = None
    if utc is None or not EARLIEST <= utc <= LATEST:
        raise ValidationError(OUT_OF_CALENDAR, code="out_of_range")
    return value


class DateTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 time (``2026-03-02T09:30:00Z``, ``...+01:00``, or without an offset: UK
    time), within the calendar (`within_calendar`)."""

    def to_python(self, value: Any) -> datetime.datetime | None:
        result = super().to_python(value)
        return None if result is None else within_calendar(result)


class DateTimeFilter(django_filters.IsoDateTimeFilter):
    """A filter on a time: give it ``field_name`` and ``lookup_expr`` (``gte``, ``lt``...)."""

    field_class = DateTimeField


def _related_filter(field: Any) -> dict[str, Any]:
    """The filter of a related field listed in ``Meta.fields``: scoped choices when the
    related model is a scoped one (django-filter's own would ask it for every row, unscoped)."""
    related = field.related_model
    scoped = hasattr(related._default_manager, "visible_to")
    return {
        "queryset": scoped_choices(related) if scoped else remote_queryset(field),
        "to_field_name": field.remote_field.field_name,
        "null_label": filter_settings.NULL_CHOICE_LABEL if field.null else None,
    }


#: The filters django-filter makes for fields listed in ``Meta.fields`` and not declared:
#: its own, but for times (`DateTimeFilter`) and related records (scoped choices).
FILTER_DEFAULTS: dict[Any, dict[str, Any]] = {
    **FILTER_FOR_DBFIELD_DEFAULTS,
    models.DateTimeField: {"filter_class": DateTimeFilter},
    models.ForeignKey: {"filter_class": ScopedModelChoiceFilter, "extra": _related_filter},
    models.OneToOneField: {"filter_class": ScopedModelChoiceFilter, "extra": _related_filter},
}


#: django-filter's own get_form_class, which makes a new form class for every filter set.
_MAKES_A_NEW_FORM_CLASS = django_filters.FilterSet.get_form_class


#: `_needless_distinct`'s answers, by filter set class (worked out once per class).
_NEEDLESS_DISTINCT: dict[type[Any], tuple[str, ...]] = {}


def _needless_distinct(filterset_class: type[Any]) -> tuple[str, ...]:
    """The filters of `filterset_class` that ask for DISTINCT where no row can come twice.

    django-filter's multiple-choice filters add DISTINCT in case the field is reached through
    a to-many relation; on a column of the model's own table (a ticket's priorities, statuses)
    nothing can repeat, and DISTINCT made the database sort every matching row by every
    column before it could return the first page."""
    if filterset_class in _NEEDLESS_DISTINCT:
        return _NEEDLESS_DISTINCT[filterset_class]
    model = filterset_class._meta.model
    found = []
    for name, flt in filterset_class.base_filters.items():
        if not getattr(flt, "distinct", False) or flt.method is not None or model is None:
            continue
        path = flt.field_name.split(LOOKUP_SEP)
        try:
            field = model._meta.get_field(path[0])
        except FieldDoesNotExist:
            continue
        if len(path) == 1 and field.concrete and not field.many_to_many:
            found.append(name)
    _NEEDLESS_DISTINCT[filterset_class] = tuple(found)
    return _NEEDLESS_DISTINCT[filterset_class]


class ConcordFilterSet(django_filters.FilterSet):
    """Base filter set: a free-text `q` over the model's `search_fields`."""

    search_fields: tuple[str, ...] = ()
    #: Filters read under another name than they are declared with, declared name to query
    #: parameter (``{"from_": "from"}``: ``from`` is a Python word).
    parameter_names: ClassVar[dict[str, str]] = {}

    FILTER_DEFAULTS = FILTER_DEFAULTS

    def __init__(self, *args: Any, only: Any = None, **kwargs: Any) -> None:
        if only is not None:
            # django-filter deep-copies every declared filter for each filter set it makes;
            # given `only` (the names a request gives a value: core.api.filters), the others,
            # which would filter nothing, are neither copied nor built.
            filterset_class: Any = type(self)
            declared = filterset_class.base_filters
            self.base_filters = type(declared)(
                (name, flt) for name, flt in declared.items() if name in only
            )
        super().__init__(*args, **kwargs)
        for declared_name, parameter in self.parameter_names.items():
            if declared_name in self.filters:
                self.filters[parameter] = self.filters.pop(declared_name)
        for name in _needless_distinct(type(self)):
            if name in self.filters:
                self.filters[name].distinct = False

    @property
    def form(self) -> Any:
        """django-filter's form, without copying its fields a second time.

        django-filter makes a form class for each filter set, from fields made for this filter
        set alone; Django's form then deep-copies them all again (each dropdown's queryset
        included), which was a visible share of a list page. The form takes them as they are.
        """
        if not hasattr(self, "_form"):
            if type(self).get_form_class is not _MAKES_A_NEW_FORM_CLASS:
                # A form class that may be shared: copy its fields, as Django does.
                return django_filters.FilterSet.form.fget(self)
            form_class = self.get_form_class()  # a new class, seen by this call alone
            fields = form_class.base_fields
            form_class.base_fields = {}
            try:
                data = self.data if self.is_bound else None
                form = form_class(data, prefix=self.form_prefix)
            finally:
                form_class.base_fields = fields
            form.fields = fields
            self._form = form
        return self._form

    q = django_filters.CharFilter(method="filter_search", label="Search")

    def filter_search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        """Records holding `value` in one of `search_fields`, or, for a model that declares
        itself searchable (core.search), whose words as the person may read them match it
        (stemmed: "printers" finds a printer)."""
        value = value.strip()[:200]
        if not value or not self.search_fields:
            return queryset
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value})
        from core.search import matching_ids

        user = getattr(getattr(self, "request", None), "user", None)
        words = matching_ids(user, queryset.model, value)
        if words is not None:
            condition |= Q(pk__in=words)
        return queryset.filter(condition)
