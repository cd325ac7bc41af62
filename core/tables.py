"""Declarative tables for list pages: which columns, how cells read, which columns sort.

A table names its columns once; the generic list page renders it as a GOV.UK table, works out
``select_related`` from the foreign keys it shows (so a list costs one query, not one per row),
and offers sorting only on columns declared sortable. Sortable columns must be backed by
non-null fields, because keyset pagination (core.pagination) cannot page through NULLs. The
default order is the model's ``Meta.ordering``, declared there once::

    class SiteTable(Table):
        name = Column(link=True, sortable=True)
        code = Column(sortable=True)
        partner = Column(sort_by="partner__name")

        class Meta:
            model = Site
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from html import escape as _escape
from typing import Any, ClassVar

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models
from django.template.defaultfilters import date as date_filter
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from core.pagination import default_ordering
from core.tenancy.models import Partner
from core.tenancy.records import UNTRACKED_FIELDS, ConcordModel

EMPTY = mark_safe("")
YES = mark_safe("Yes")
NO = mark_safe("No")


#: What the pages say of a council that has left the partnership: "partner" is code's word,
#: never the pages' (docs/adding-a-model.md, "One name for one thing").
FORMER_WORDS = "left the partnership"
FORMER_TAG = (
    '<strong class="govuk-tag govuk-tag--grey concord-former-tag">Left the partnership</strong>'
)


def _partner_text(partner: Any) -> str:
    name = _escape(str(partner))
    if getattr(partner, "is_former", False):
        return f"{name} {FORMER_TAG}"
    return name


def partner_html(partner: Any) -> SafeString:
    """A partner's name, with a "Left the partnership" tag once it has left."""
    if partner is None:
        return EMPTY
    return mark_safe(_partner_text(partner))  # noqa: S308 - escaped by _partner_text


def audience_html(obj: Any, user: Any) -> SafeString:
    """Who a record for chosen councils is for, as `user` may be told: "Every council", or the
    councils it names that `user` can see (never the name of one they cannot)."""
    if obj.for_all_councils:
        return mark_safe("Every council")
    visible = set(Partner.objects.visible_to(user).values_list("pk", flat=True))
    shown = [p for p in obj.audience() if p.pk in visible]
    if not shown:
        return EMPTY
    return mark_safe(", ".join(_partner_text(p) for p in shown))  # noqa: S308 - escaped


def display_text(value: Any, field: Any = None, obj: Any = None) -> str:
    """`display_value` as plain, already-escaped text (for code that joins many cells)."""
    if field is not None and obj is not None and getattr(field, "choices", None):
        method = getattr(obj, f"get_{field.name}_display", None)
        if method is not None:
            return _escape(str(method()))
    kind = type(value)
    if kind is str:  # the common case first: a list page draws rows x columns cells
        return _escape(value) if value else ""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value.__html__() if hasattr(value, "__html__") else _escape(value)
    if kind is bool:
        return "Yes" if value else "No"
    if isinstance(value, Partner):
        return _partner_text(value)
    if isinstance(value, datetime.datetime):
        return _escape(date_filter(timezone.localtime(value), "j M Y, H:i"))
    if isinstance(value, datetime.date):
        return _escape(date_filter(value, "j M Y"))
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return _escape(str(value))


def display_value(value: Any, field: Any = None, obj: Any = None) -> SafeString:
    """How one field value reads on a page: choices by label, booleans as Yes/No, dates in full.

    Times are shown in Europe/London (the project's time zone).
    """
    return mark_safe(display_text(value, field, obj))  # noqa: S308 - escaped by display_text


def field_label(model: Any, name: str) -> str:
    """A field's label on pages: its verbose name, capitalised (an owning ``partner`` reads
    "Council", the Partner model's verbose name)."""
    f = model_field(model, name) if model is not None else None
    if f is None and model is not None:
        # A foreign key's column name (``site_type_id``) as the change log stores it.
        f = next((x for x in model._meta.concrete_fields if x.attname == name), None)
    text = str(getattr(f, "verbose_name", None) or name.replace("_", " "))
    return text[:1].upper() + text[1:]


def model_field(model: Any, path: str) -> Any:
    """The model field at the end of a ``a__b__c`` path, or None if there is none."""
    current = model
    f = None
    for part in path.split("__"):
        if current is None:
            return None
        try:
            f = current._meta.get_field(part)
        except FieldDoesNotExist:
            return None
        current = f.related_model if f.is_relation else None
    return f


def _non_null_path(model: Any, path: str) -> bool:
    """True when every field along `path` is non-null (so keyset pagination can sort by it)."""
    current = model
    for part in path.split("__"):
        try:
            f = current._meta.get_field(part)
        except FieldDoesNotExist:
            return False
        if getattr(f, "null", True):
            return False
        current = f.related_model if f.is_relation else current
    return True


class Column:
    """One column of a table: a field path (default: the attribute name), how it reads and sorts.

    - ``link``: the cell links to the row's detail page.
    - ``sortable`` / ``sort_by``: sortable on the field itself, or on another path (e.g. a
      foreign key's ``partner__name``). Only non-null paths may sort.
    - ``accessor``: a different attribute path to read (``user__email``), or a callable.
    """

    #: Declaration order across all columns (like Django's form fields).
    _counter: ClassVar[int] = 0

    def __init__(
        self,
        label: str | None = None,
        *,
        accessor: Any = None,
        link: bool = False,
        sortable: bool = False,
        sort_by: str | None = None,
        numeric: bool = False,
    ) -> None:
        self.label = label
        self.accessor = accessor
        self.link = link
        self.sort_by = sort_by or None
        self.sortable = sortable or bool(sort_by)
        self.numeric = numeric
        self.name = ""
        self._attribute: str | None = None
        self._plain = False
        self._format: Any = display_text
        self.creation_counter = Column._counter
        Column._counter += 1

    def bind(self, name: str, model: Any) -> None:
        """Attach to a table's model: work out the label and check the sort key."""
        self.name = name
        if self.accessor is None:
            self.accessor = name
        f = model_field(model, self.accessor) if isinstance(self.accessor, str) else None
        self.field = f
        simple = isinstance(self.accessor, str) and "__" not in self.accessor
        self._attribute = self.accessor if simple else None
        self._plain = simple and not getattr(f, "choices", None)
        self._format = _formatter_for(f) if self._plain else display_text
        if self.label is None:
            self.label = (
                field_label(model, self.accessor)
                if isinstance(self.accessor, str)
                else name.replace("_", " ").capitalize()
            )
        if self.sortable:
            if self.sort_by is None:
                if f is not None and f.is_relation:
                    raise ImproperlyConfigured(
                        f"Column {name!r} sorts on a relation: give sort_by='{name}__<field>'"
                    )
                self.sort_by = self.accessor if isinstance(self.accessor, str) else None
            if self.sort_by is None or not _non_null_path(model, self.sort_by):
                raise ImproperlyConfigured(
                    f"Column {name!r} of {model.__name__} cannot sort on {self.sort_by!r}: "
                    "keyset pagination needs a non-null field"
                )

    def value(self, row: Any) -> Any:
        """The raw value of this column for `row`."""
        if self._attribute is not None:
            return getattr(row, self._attribute)
        if callable(self.accessor):
            return self.accessor(row)
        value = row
        for part in self.accessor.split("__"):
            if value is None:
                return None
            value = getattr(value, part)
        return value

    def cell(self, row: Any) -> str:
        """The cell's HTML for `row`, escaped, as plain text (joined by `Table.body_html`)."""
        if self._plain:
            # A field of the row itself with no choices: the common case, kept short because
            # a list page renders rows x columns cells.
            text = self._format(getattr(row, self._attribute))  # type: ignore[arg-type]
        else:
            obj = row
            if isinstance(self.accessor, str) and "__" in self.accessor:
                # The choice label lives on the related object.
                for part in self.accessor.split("__")[:-1]:
                    obj = getattr(obj, part, None) if obj is not None else None
            text = display_text(self.value(row), self.field, obj)
        if self.link:
            url = _detail_url(row)
            if url:
                return (
                    f'<a class="govuk-link" href="{_escape(url)}">{text or _escape(str(row))}</a>'
                )
        return text

    def render(self, row: Any) -> SafeString:
        """The cell's HTML for `row` (escaped)."""
        return mark_safe(self.cell(row))  # noqa: S308 - escaped by cell()


def _yes_no_cell(value: Any) -> str:
    if value is None:
        return ""
    return "Yes" if value else "No"


def _partner_cell(value: Any) -> str:
    return "" if value is None else _partner_text(value)


def _formatter_for(field: Any) -> Any:
    """How a column of `field` (no choices) is written: `display_text`, with the type
    question answered once per column rather than for every cell (text is its first case)."""
    if isinstance(field, models.BooleanField):
        return _yes_no_cell
    if isinstance(field, models.ForeignKey) and field.related_model is Partner:
        return _partner_cell
    return display_text


_URL_PREFIXES: dict[type, str | None] = {}


def _detail_url(row: Any) -> str:
    """A row's detail URL. Worked out once per model and completed with each row's pk, since
    reversing a URL for every row of every list was a visible share of a list page's time."""
    model = type(row)
    if model not in _URL_PREFIXES:
        prefix = None
        probe = row.get_absolute_url() if hasattr(row, "get_absolute_url") else ""
        marker = f"/{row.pk}/"
        if probe.endswith(marker) and hasattr(model, "url_name"):
            prefix = probe[: -len(marker) + 1]
        _URL_PREFIXES[model] = prefix
        return probe
    prefix = _URL_PREFIXES[model]
    if prefix is None:
        return row.get_absolute_url() if hasattr(row, "get_absolute_url") else ""
    return f"{prefix}{row.pk}/"


@dataclass
class SortLink:
    """A column heading: its label and, when sortable, the sort it links to and its state."""

    column: Column
    label: str
    sort_param: str | None
    aria_sort: str | None  # "ascending", "descending" or "none"


class TableMeta(type):
    """Collects declared columns in declaration order, like Django forms do."""

    def __new__(mcs, name: str, bases: tuple[type, ...], attrs: dict[str, Any]) -> Any:
        declared = [(key, value) for key, value in attrs.items() if isinstance(value, Column)]
        declared.sort(key=lambda kv: kv[1].creation_counter)
        for key, _ in declared:
            attrs.pop(key)
        cls = super().__new__(mcs, name, bases, attrs)
        meta = attrs.get("Meta")
        columns: dict[str, Column] = {}
        for base in reversed(cls.__mro__[1:]):
            columns.update(getattr(base, "base_columns", {}))
        columns.update(dict(declared))
        cls.base_columns = columns  # type: ignore[attr-defined]
        if meta is not None:
            if hasattr(meta, "default_sort"):
                raise ImproperlyConfigured(
                    f"{name} declares default_sort: a list's default order is its model's "
                    "Meta.ordering, declared once there (pages and API alike)."
                )
            cls.model = meta.model  # type: ignore[attr-defined]
            cls.default_sort = default_ordering(meta.model)  # type: ignore[attr-defined]
            cls.extra_select_related = tuple(  # type: ignore[attr-defined]
                getattr(meta, "select_related", ())
            )
            for column_name, column in columns.items():
                column.bind(column_name, meta.model)
        return cls


class Table(metaclass=TableMeta):
    """A list page's table. Subclasses declare `Column`s and a ``Meta`` with ``model``."""

    base_columns: ClassVar[dict[str, Column]]
    model: ClassVar[Any]
    default_sort: ClassVar[list[str]]
    extra_select_related: ClassVar[tuple[str, ...]]

    def __init__(self, rows: list[Any], sort: str | None = None) -> None:
        self.rows = rows
        self.columns = list(self.base_columns.values())
        self.sort = sort

    @classmethod
    def unread_bookkeeping(cls) -> list[str]:
        """Bookkeeping columns of the rows (created/updated times, version) that no column of
        the table shows or sorts by: a list does not load them. A column reading one through
        a callable accessor would cost a query per row, which the pinned list query counts of
        the model's generic tests would catch; name it as a string accessor instead."""

        if not (isinstance(cls.model, type) and issubclass(cls.model, ConcordModel)):
            return []
        read: set[str] = set()
        for column in cls.base_columns.values():
            for path in (column.accessor, column.sort_by):
                if isinstance(path, str):
                    read.add(path.split("__", 1)[0])
        return sorted(UNTRACKED_FIELDS - read)

    @classmethod
    def select_related(cls) -> list[str]:
        """Foreign keys the table shows, fetched with the rows in one query."""
        paths: list[str] = list(cls.extra_select_related)
        for column in cls.base_columns.values():
            if not isinstance(column.accessor, str):
                continue
            parts = column.accessor.split("__")
            current = cls.model
            chain: list[str] = []
            for part in parts:
                try:
                    f = current._meta.get_field(part)
                except FieldDoesNotExist:
                    break
                if not (f.is_relation and (f.many_to_one or f.one_to_one)):
                    break
                chain.append(part)
                current = f.related_model
            if chain:
                path = "__".join(chain)
                if path not in paths:
                    paths.append(path)
        return paths

    @classmethod
    def sort_options(cls) -> dict[str, list[str]]:
        """The sorts a request may ask for (``name`` / ``-name``) and the ordering of each."""
        options: dict[str, list[str]] = {}
        for column in cls.base_columns.values():
            if column.sortable and column.sort_by:
                options[column.name] = [column.sort_by]
                options[f"-{column.name}"] = [f"-{column.sort_by}"]
        return options

    @classmethod
    def ordering_for(cls, sort: str | None) -> tuple[str | None, list[str]]:
        """The accepted sort parameter (None for the default) and the ordering it means."""
        options = cls.sort_options()
        if sort and sort in options:
            return sort, options[sort]
        return None, list(cls.default_sort)

    def headings(self) -> list[SortLink]:
        """Column headings with the link that sorts by each (toggling the direction)."""
        links = []
        current = self.sort or self.default_sort_param()
        for column in self.columns:
            if not column.sortable:
                links.append(SortLink(column, str(column.label), None, None))
                continue
            if current == column.name:
                links.append(SortLink(column, str(column.label), f"-{column.name}", "ascending"))
            elif current == f"-{column.name}":
                links.append(SortLink(column, str(column.label), column.name, "descending"))
            else:
                links.append(SortLink(column, str(column.label), column.name, "none"))
        return links

    @classmethod
    def default_sort_param(cls) -> str | None:
        """The sort parameter that the default ordering amounts to, if a column offers it."""
        if not cls.default_sort:
            return None
        first = cls.default_sort[0]
        for column in cls.base_columns.values():
            if column.sortable and column.sort_by == first.lstrip("-"):
                return f"-{column.name}" if first.startswith("-") else column.name
        return None

    def body(self) -> Iterator[list[tuple[Column, SafeString]]]:
        """Each row as its rendered cells."""
        for row in self.rows:
            yield [(column, column.render(row)) for column in self.columns]

    def body_html(self) -> SafeString:
        """The table's rows as GOV.UK table HTML: the first cell heads its row.

        Built here rather than in a template loop because a list page draws rows x columns
        cells, and the template engine's per-cell cost was most of the page's time.
        """
        openers = [
            '<th scope="row" class="govuk-table__header">'
            if i == 0
            else (
                '<td class="govuk-table__cell govuk-table__cell--numeric">'
                if column.numeric
                else '<td class="govuk-table__cell">'
            )
            for i, column in enumerate(self.columns)
        ]
        closers = ["</th>" if i == 0 else "</td>" for i in range(len(self.columns))]
        parts: list[str] = []
        for row in self.rows:
            parts.append('<tr class="govuk-table__row">')
            for opener, closer, column in zip(openers, closers, self.columns, strict=True):
                parts.append(opener)
                parts.append(column.cell(row))
                parts.append(closer)
            parts.append("</tr>")
        return mark_safe("".join(parts))  # noqa: S308 - every cell is escaped by Column.render


def default_detail_fields(model: Any) -> list[str]:
    """The fields a detail page shows when a model's views name none: its own editable ones."""

    names = []
    for f in model._meta.concrete_fields:
        if f.primary_key or f.name in UNTRACKED_FIELDS or not f.editable:
            continue
        if isinstance(f, models.JSONField):
            continue
        names.append(f.name)
    return names
