"""Generic pages for every model: list, detail, create, edit, delete and history.

A domain app declares one small class per model and mounts its URLs::

    class SiteViews(ModelViews):
        model = Site
        filterset_class = SiteFilterSet
        table_class = SiteTable
        form_class = SiteForm
        nav_label = "Sites"

    urlpatterns = [*SiteViews.urls()]

Every page starts from ``Model.objects.visible_to(request.user)``: another council's record is a
404, a visible record the person may not act on is a 403, and an anonymous visitor is sent to
sign in. Lists page by keyset (no COUNT), sort only on the table's sortable columns, narrow to
the header's partner filter, and link to the export and import of the same filtered list.
Saves run in a transaction that re-checks the author can still see the record afterwards.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, Q, RestrictedError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.cache import patch_vary_headers
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import slugify
from django.views import View

from core.attachments import attachments_panel
from core.changelog import history_for
from core.filtersets import listed_rows
from core.forms import add_validation_error, govukify
from core.models import Attachment
from core.pagination import InvalidCursor, KeysetPage, keyset_page
from core.partner_filter import (
    header_partner_rows,
    narrowed_to_selected_partner,
    selected_partner,
)
from core.related import without_bookkeeping
from core.routes import route_url, route_url_or_fail
from core.services import refetch_visible, set_owner_shares
from core.tables import (
    Table,
    default_detail_fields,
    display_value,
    field_label,
    model_field,
    partner_html,
)
from core.tenancy.access import ADD, CHANGE, DELETE, EXPORT, HISTORY, IMPORT, VIEW, access_for
from core.tenancy.models import Partner
from core.tenancy.records import serve_pages

# Primary keys are 64-bit; a longer number in a URL is simply a page that does not exist.
MAX_PK = 2**63 - 1


def is_htmx_partial(request: HttpRequest) -> bool:
    """An htmx request for part of a page (not htmx restoring a whole page from history)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


@dataclass
class Related:
    """A list of related records on a detail page, scoped like every other query.

    `lookup` is the field of `model` pointing at the record (``"partner"``), or a callable
    taking the record and returning a Q. `list_param` names the filter of the related list
    that shows them all (``?partner=<pk>``).
    """

    title: str
    model: Any
    lookup: str | Callable[[Any], Q]
    table_class: type[Table]
    list_param: str | None = None
    limit: int = 10

    def condition(self, obj: Any) -> Q:
        if callable(self.lookup):
            return self.lookup(obj)
        return Q(**{self.lookup: obj})


# Model views with a navigation label, in the order their URLs were mounted.
REGISTRY: list[type[ModelViews]] = []
# Every model's views, in the order they were declared (apps' views load in INSTALLED_APPS
# order, core.apps).
DECLARED: list[type[ModelViews]] = []


class ModelViews:
    """The generic pages of one model, declared; `urls()` mounts them (see module doc).

    The pages' URL names are in the namespace of the app that declares them (its ``urls.py``
    sets ``app_name`` to its label), which need not be the model's own: the partners app has the
    pages of the tenancy kernel's councils and people.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        model = cls.__dict__.get("model")
        app = apps.get_containing_app_config(cls.__module__)
        if model is not None and app is not None:
            serve_pages(model, app.label)
        if model is not None:
            DECLARED.append(cls)

    model: ClassVar[Any]
    filterset_class: ClassVar[Any]
    table_class: ClassVar[type[Table]]
    form_class: ClassVar[Any]
    #: A different form for adding a record (None: the same form as editing).
    create_form_class: ClassVar[Any] = None
    #: Fields shown on the detail page (None: every editable field of the record).
    detail_fields: ClassVar[list[str] | None] = None
    related: ClassVar[list[Related]] = []
    #: A council's page lists the records of this kind the council owns (or co-owns), under
    #: the navigation label: each app shows its records there without the partners app
    #: knowing the app.
    on_council_page: ClassVar[bool] = False
    #: URL path prefix (None: the hyphenated plural of the model's name, e.g. ``site-types``).
    path_prefix: ClassVar[str | None] = None
    #: The label in the service navigation (None: not in the navigation).
    nav_label: ClassVar[str | None] = None
    nav_order: ClassVar[int] = 100
    #: Rows per page (None: settings.CONCORD_PAGE_SIZE).
    page_size: ClassVar[int | None] = None
    #: What the pages call one record and several (None: the model's verbose names).
    verbose_name: ClassVar[str | None] = None
    verbose_name_plural: ClassVar[str | None] = None

    # Hooks a model's views may override -------------------------------------------------

    @classmethod
    def get_form_class(cls, creating: bool) -> Any:
        """The form for adding (`creating`) or editing a record."""
        return (cls.create_form_class or cls.form_class) if creating else cls.form_class

    @classmethod
    def save_form(cls, form: Any, request: HttpRequest, creating: bool) -> Any:
        """Save a valid form and return the record (None if the record no longer exists); a
        co-owned record's owner shares are saved with it.

        Runs inside the page's transaction; raising ValidationError rolls the save back and
        shows the message on the form.
        """
        obj = form.save()
        if getattr(form, "share_fields", None):
            set_owner_shares(obj, form.shares)
        return obj

    @classmethod
    def detail_queryset(cls, qs: Any) -> Any:
        """The queryset a record's pages fetch it from (add select_related here)."""
        return with_related(qs, cls.table_class.select_related())

    @classmethod
    def detail_rows(cls, obj: Any, request: HttpRequest) -> list[tuple[str, SafeString]]:
        """The summary list of a detail page: (label, value HTML) pairs."""
        rows = []
        for name in cls.detail_fields or default_detail_fields(cls.model):
            f = model_field(cls.model, name)
            value = getattr(obj, name, None)
            rows.append((field_label(cls.model, name), display_value(value, f, obj)))
        return rows

    @classmethod
    def related_lists(cls) -> list[Related]:
        """The related lists of a detail page: the views' own `related`, and on a council's
        page those of every model whose views are `on_council_page`."""
        found = list(cls.related)
        if cls.model is Partner:
            found += [views.council_section() for views in DECLARED if views.on_council_page]
        return found

    @classmethod
    def council_section(cls) -> Related:
        """The list of these records on the page of the council that owns them."""
        model = cls.model
        filters = getattr(cls.filterset_class, "base_filters", {})
        return Related(
            cls.nav_label or cls.names()[1].capitalize(),
            model,
            lambda partner: model.ownership_filter([partner.pk]),
            cls.table_class,
            list_param="partner" if "partner" in filters else None,
        )

    @classmethod
    def extra_links(cls, obj: Any, request: HttpRequest) -> list[tuple[str, str]]:
        """More (label, URL) links beside Edit, History and Delete on a detail page."""
        return []

    @classmethod
    def names(cls) -> tuple[str, str]:
        """What the pages call one record and several, e.g. ("site", "sites")."""
        meta = cls.model._meta
        return (
            str(cls.verbose_name or meta.verbose_name),
            str(cls.verbose_name_plural or meta.verbose_name_plural),
        )

    @classmethod
    def success_message(cls, obj: Any, verb: str) -> str:
        return f"{cls.names()[0].capitalize()} “{obj}” {verb}."

    # URLs ----------------------------------------------------------------------------------

    @classmethod
    def prefix(cls) -> str:
        return cls.path_prefix or slugify(str(cls.model._meta.verbose_name_plural))

    @classmethod
    def urls(cls) -> list[URLPattern]:
        """The URL patterns of this model's pages, named ``<model>_<view>`` (URL contract)."""
        prefix = cls.prefix()
        name = cls.model._meta.model_name
        patterns = [
            path(f"{prefix}/", ModelListView.as_view(views=cls), name=f"{name}_list"),
            path(f"{prefix}/new/", ModelCreateView.as_view(views=cls), name=f"{name}_create"),
        ]
        patterns += _data_urls(cls, prefix, name)
        patterns += [
            path(f"{prefix}/<int:pk>/", ModelDetailView.as_view(views=cls), name=f"{name}_detail"),
            path(
                f"{prefix}/<int:pk>/edit/",
                ModelUpdateView.as_view(views=cls),
                name=f"{name}_update",
            ),
            path(
                f"{prefix}/<int:pk>/delete/",
                ModelDeleteView.as_view(views=cls),
                name=f"{name}_delete",
            ),
            path(
                f"{prefix}/<int:pk>/history/",
                ModelHistoryView.as_view(views=cls),
                name=f"{name}_history",
            ),
        ]
        if cls.nav_label and cls not in REGISTRY:
            REGISTRY.append(cls)
        return patterns


def _data_urls(views: type[ModelViews], prefix: str, name: str) -> list[URLPattern]:
    """Export (CSV/XLSX of the filtered list) and import pages, from core.views.data."""
    from core.views.data import ExportView, ImportView

    kwargs = {"model": views.model, "filterset_class": views.filterset_class}
    return [
        path(f"{prefix}/export/", ExportView.as_view(**kwargs), name=f"{name}_export"),
        path(f"{prefix}/import/", ImportView.as_view(**kwargs), name=f"{name}_import"),
    ]


class ModelPageMixin(LoginRequiredMixin):
    """What every generic page shares: the model's views, scoped fetching, permission checks."""

    views: Any = None
    page = ""
    request: HttpRequest
    kwargs: dict[str, Any]

    @property
    def model(self) -> Any:
        return self.views.model

    def can(self, action: str, obj: Any = None) -> bool:
        """May the signed-in person do `action` (on `obj`, or anywhere when None)?"""
        owners = obj.owning_partner_ids() if obj is not None else None
        return access_for(self.request.user).can(action, self.model.area, owners)

    def visible(self) -> Any:
        return self.model.objects.visible_to(self.request.user)

    def get_object_for(self, action: str) -> Any:
        """The record in the URL: 404 unless visible, 403 if visible but `action` is not allowed."""
        pk = self.kwargs["pk"]
        if pk > MAX_PK:
            raise Http404
        obj = get_object_or_404(self.views.detail_queryset(self.visible()), pk=pk)
        if not self.can(action, obj):
            raise PermissionDenied
        return obj

    def template_names(self, page: str | None = None) -> list[str]:
        page = page or self.page
        app, _ = self.model.url_name(page).split(":")
        return [f"{app}/{self.model._meta.model_name}_{page}.html", f"generic/{page}.html"]

    def base_context(self, obj: Any = None) -> dict[str, Any]:
        meta = self.model._meta
        singular, plural = self.views.names()
        context: dict[str, Any] = {
            "views": self.views,
            "model_meta": meta,
            "verbose_name": singular,
            "verbose_name_plural": plural,
            "list_url": route_url_or_fail(self.model.url_name("list")),
            "object": obj,
        }
        if obj is not None and obj.pk is not None:
            context.update(
                detail_url=reverse(self.model.url_name("detail"), args=[obj.pk]),
                update_url=(
                    reverse(self.model.url_name("update"), args=[obj.pk])
                    if self.can(CHANGE, obj)
                    else None
                ),
                delete_url=(
                    reverse(self.model.url_name("delete"), args=[obj.pk])
                    if self.can(DELETE, obj)
                    else None
                ),
                history_url=(
                    reverse(self.model.url_name("history"), args=[obj.pk])
                    if self.can(HISTORY, obj)
                    else None
                ),
            )
        return context

    def render(self, context: dict[str, Any], status: int = 200, page: str | None = None) -> Any:
        return TemplateResponse(self.request, self.template_names(page), context, status=status)


def with_related(qs: Any, paths: list[str]) -> Any:
    """`qs` joined to the records a table shows, without their bookkeeping columns; no join
    at all when it shows none (a bare ``select_related()`` would follow every foreign key)."""
    return without_bookkeeping(qs.select_related(*paths), paths) if paths else qs


def cursor_param(request: HttpRequest) -> str | None:
    return request.GET.get("cursor") or None


class ModelListView(ModelPageMixin, View):
    """A filtered, sorted, keyset-paginated list of the records the person may see."""

    page = "list"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.can(VIEW):
            raise PermissionDenied
        qs = narrowed_to_selected_partner(self.visible(), request)
        filterset = self.views.filterset_class(request.GET or None, queryset=qs, request=request)
        govukify(filterset.form, for_filters=True)
        filter_errors = filterset.is_bound and not filterset.is_valid()
        table_class = self.views.table_class
        sort, ordering = table_class.ordering_for(request.GET.get("sort"))
        rows_qs = qs.none() if filter_errors else filterset.qs
        rows_qs = with_related(rows_qs, table_class.select_related())
        unread = table_class.unread_bookkeeping()
        if unread:
            rows_qs = rows_qs.defer(*unread)
        size = self.views.page_size or settings.CONCORD_PAGE_SIZE
        partial = is_htmx_partial(request)
        # A whole page draws the filter dropdowns and the header's councils: the rows' related
        # records are taken from those rather than read again (core.related).
        known = {} if partial else listed_rows(filterset.form)
        header_partners = None if partial else header_partner_rows(request)
        if header_partners is not None:
            known.setdefault(header_partners.model, header_partners)
        cursor_invalid = False
        try:
            page = keyset_page(rows_qs, ordering, cursor_param(request), size, known)
        except InvalidCursor:
            cursor_invalid = True
            page = keyset_page(rows_qs, ordering, None, size, known)
        context = self.base_context()
        context.update(
            filterset=filterset,
            filter_form=filterset.form,
            filter_errors=filter_errors,
            active_filters=_active_filters(filterset) if not filter_errors else [],
            table=table_class(page.rows, sort=sort),
            page=page,
            sort=sort,
            cursor_invalid=cursor_invalid,
            chosen_partner=(
                selected_partner(request) if self.model.ownership != "catalogue" else None
            ),
            create_url=route_url(self.model.url_name("create")) if self.can(ADD) else None,
            export_url=route_url(self.model.url_name("export")) if self.can(EXPORT) else None,
            import_url=(
                route_url(self.model.url_name("import"))
                if self.model.import_fields and self.can(IMPORT)
                else None
            ),
            export_query=_query_without(request, ("cursor", "format")),
        )
        context["htmx_partial"] = partial
        response = self.render(context, page="_results") if partial else self.render(context)
        # An htmx answer also draws the filter form again when the page showed its errors
        # (templates/generic/_filter_oob.html).
        patch_vary_headers(response, ["HX-Request", "Concord-Filter-Errors"])
        return response


def _query_without(request: HttpRequest, names: tuple[str, ...]) -> str:
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


def _active_filters(filterset: Any) -> list[tuple[str, str]]:
    """The filters in use, as (label, value) pairs for the "Selected filters" panel."""
    chosen: list[tuple[str, str]] = []
    form = filterset.form
    cleaned = getattr(form, "cleaned_data", None) if filterset.is_bound else None
    if not cleaned:
        return chosen
    for name, field in form.fields.items():
        value = cleaned.get(name)
        if value in (None, "", [], ()):
            continue
        label = str(field.label or name)
        if hasattr(field, "choices") and not hasattr(value, "_meta"):
            value = dict(field.choices).get(form.data.get(name), value)
        chosen.append((label, str(value)))
    return chosen


class ModelDetailView(ModelPageMixin, View):
    """One record: its fields, owners, related lists (scoped) and links to act on it."""

    page = "detail"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object_for(VIEW)
        context = self.base_context(obj)
        sections = []
        access = access_for(request.user)
        for related in self.views.related_lists():
            if not access.can(VIEW, related.model.area):
                continue
            table_class = related.table_class
            related_rows = related.model.objects.visible_to(request.user).filter(
                related.condition(obj)
            )
            rows = list(
                with_related(related_rows, table_class.select_related()).order_by(
                    *table_class.default_sort
                )[: related.limit + 1]
            )
            more_url = None
            if len(rows) > related.limit and related.list_param:
                more_url = (
                    f"{reverse(related.model.url_name('list'))}?{related.list_param}={obj.pk}"
                )
            sections.append(
                {
                    "title": related.title,
                    "table": table_class(rows[: related.limit]),
                    "more_url": more_url,
                    "has_more": len(rows) > related.limit,
                }
            )
        owner_shares = None
        if self.model.ownership == "shared":
            owner_shares = [
                (partner_html(share.partner), share.percentage) for share in obj.owner_shares()
            ]
        context.update(
            extra_links=self.views.extra_links(obj, request),
            rows=self.views.detail_rows(obj, request),
            sections=sections,
            owner_shares=owner_shares,
            attachments=attachments_panel(obj, request.user),
        )
        return self.render(context)


class ModelFormView(ModelPageMixin, View):
    """Add or edit a record with a scoped form; saves re-check the record stays in reach."""

    page = "form"
    creating = False

    def get_instance(self) -> Any:
        if self.creating:
            if not self.can(ADD):
                raise PermissionDenied
            return None
        return self.get_object_for(CHANGE)

    def make_form(self, instance: Any, data: Any = None, files: Any = None) -> Any:
        form_class = self.views.get_form_class(self.creating)
        return form_class(data=data, files=files, instance=instance, user=self.request.user)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        instance = self.get_instance()
        return self.render_form(self.make_form(instance), instance)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        instance = self.get_instance()
        # Validating writes the posted values onto the instance (and a refused save leaves them
        # there): a page drawn again with errors names, and links, the record as it is saved.
        saved = copy.copy(instance)
        form = self.make_form(instance, request.POST, request.FILES)
        if form.is_valid():
            try:
                obj = self.save(form)
            except ValidationError as exc:
                add_validation_error(form, exc)
            except IntegrityError:
                form.add_error(
                    None,
                    "This clashes with another record (for example a code already in use). "
                    "Check the details and try again.",
                )
            else:
                verb = "added" if self.creating else "saved"
                if obj is None:
                    messages.success(request, "Saved.")
                    return HttpResponseRedirect(reverse(self.model.url_name("list")))
                messages.success(request, self.views.success_message(obj, verb))
                return HttpResponseRedirect(obj.get_absolute_url())
        if self.creating and getattr(form, "instance", None) is not None:
            # The rolled-back save left an id on the unsaved instance.
            form.instance.pk = None
            form.instance._state.adding = True
        return self.render_form(form, saved)

    def save(self, form: Any) -> Any:
        """Save inside a transaction; roll back if the author could no longer see the result."""
        with transaction.atomic():
            obj = self.views.save_form(form, self.request, self.creating)
            if obj is not None and obj.pk is not None:
                refetch_visible(obj, self.request.user)
        return obj

    def render_form(self, form: Any, instance: Any, status: int = 200) -> HttpResponse:
        context = self.base_context(instance)
        context.update(form=form, creating=self.creating)
        return self.render(context, status=status)


class ModelCreateView(ModelFormView):
    creating = True


class ModelUpdateView(ModelFormView):
    creating = False


class ModelDeleteView(ModelPageMixin, View):
    """Confirm, then delete; a record other records depend on is refused in plain words."""

    page = "confirm_delete"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object_for(DELETE)
        return self.render(self.base_context(obj))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object_for(DELETE)
        label = str(obj)
        try:
            with transaction.atomic():
                obj.delete()
        except (ProtectedError, RestrictedError):
            context = self.base_context(obj)
            # Say that something depends on it, never what: it may be another council's.
            context["error"] = (
                f"“{label}” cannot be deleted because other records refer to it. "
                "Change or remove those records first."
            )
            return self.render(context)
        messages.success(request, self.views.success_message(label, "deleted"))
        return HttpResponseRedirect(reverse(self.model.url_name("list")))


class ModelHistoryView(ModelPageMixin, View):
    """A record's change log (what the person may see of it), newest first."""

    page = "history"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object_for(HISTORY)
        records = history_for(obj, request.user)
        size = self.views.page_size or settings.CONCORD_PAGE_SIZE
        try:
            page = keyset_page(records, ["-at", "-id"], cursor_param(request), size)
        except InvalidCursor:
            page = keyset_page(records, ["-at", "-id"], None, size)
        context = self.base_context(obj)
        context.update(page=page, entries=describe_changes(page, self.model, request.user))
        return self.render(context)


# Showing what changed -----------------------------------------------------------------------


@dataclass
class ChangeLine:
    """One field of one change: its label and the value before and after."""

    label: str
    before: SafeString
    after: SafeString


def describe_changes(page: KeysetPage, model: Any, user: Any) -> list[dict[str, Any]]:
    """The change records of a page with labelled before → after values of changed fields."""
    files = ContentType.objects.get_for_model(Attachment).pk
    own = [record for record in page.rows if record.content_type_id != files]
    resolver = _ValueResolver(model, user, own)
    entries = []
    for record in page.rows:
        if record.content_type_id == files:
            entries.append(_file_change(record))
            continue
        before = record.before or {}
        after = record.after or {}
        # A new or deleted record lists its values (its id says nothing to a person).
        if record.action == "create":
            names = [k for k, v in after.items() if v not in (None, "") and k != "id"]
        elif record.action == "delete":
            names = [k for k, v in before.items() if v not in (None, "") and k != "id"]
        else:
            names = list(record.changed_fields or [])
        lines = [
            ChangeLine(
                resolver.label(name),
                resolver.show(name, before.get(name)) if record.action != "create" else _blank(),
                resolver.show(name, after.get(name)) if record.action != "delete" else _blank(),
            )
            for name in names
        ]
        entries.append({"record": record, "lines": lines})
    return entries


#: The fields of an attachment a record's history shows, and how.
_FILE_FIELDS = (("original_name", "File"), ("title", "Title"), ("description", "Description"))
_FILE_TITLES = {
    "create": "File attached",
    "delete": "File removed",
    "update": "File details changed",
}


def _file_change(record: Any) -> dict[str, Any]:
    """An attachment's change as its record's history shows it: the file, not its storage."""
    before, after = record.before or {}, record.after or {}
    lines = []
    for name, label in _FILE_FIELDS:
        old, new = before.get(name), after.get(name)
        if record.action == "update" and old == new:
            continue
        if record.action != "update" and not (old or new):
            continue
        lines.append(
            ChangeLine(
                label,
                display_value(old) if record.action != "create" else _blank(),
                display_value(new) if record.action != "delete" else _blank(),
            )
        )
    size = (after if record.action != "delete" else before).get("size")
    if record.action != "update" and size:
        shown = display_value(filesizeformat(size))
        lines.append(
            ChangeLine(
                "Size",
                shown if record.action == "delete" else _blank(),
                shown if record.action == "create" else _blank(),
            )
        )
    return {"record": record, "lines": lines, "title": _FILE_TITLES.get(record.action)}


def _blank() -> SafeString:
    return format_html("{}", "")


class _ValueResolver:
    """Turns stored change-log values into readable ones: labels, choices, related names.

    Related records are looked up through their own scope, so a name the person may not see
    stays a bare number.
    """

    def __init__(self, model: Any, user: Any, records: list[Any]) -> None:

        self.model = model
        self.fields: dict[str, Any] = {}
        for f in model._meta.concrete_fields:
            self.fields[f.attname] = f
            self.fields[f.name] = f
        wanted: dict[Any, set[Any]] = {}
        for record in records:
            for values in (record.before or {}, record.after or {}):
                for key, value in values.items():
                    f = self.fields.get(key)
                    if f is not None and f.is_relation and value is not None:
                        wanted.setdefault(f.related_model, set()).add(value)
                    if key == "owner_shares" and isinstance(value, dict):
                        ids = {int(pid) for pid in value if str(pid).isdigit()}
                        wanted.setdefault(Partner, set()).update(ids)
        self.names: dict[Any, dict[Any, Any]] = {}
        for related, ids in wanted.items():
            if hasattr(related._default_manager, "visible_to"):
                found = related.objects.visible_to(user).in_bulk(list(ids))
            else:
                found = {}
            self.names[related] = found

    def label(self, name: str) -> str:
        if name == "owner_shares":
            return "Owner shares"
        return field_label(self.model, name)

    def show(self, name: str, value: Any) -> SafeString:

        if value is None or value == "":
            return _blank()
        if name == "owner_shares" and isinstance(value, dict):
            partners = self.names.get(Partner, {})
            return format_html_join(
                ", ",
                "{}: {}%",
                (
                    (partner_html(partners[int(pid)]) if int(pid) in partners else f"#{pid}", pct)
                    for pid, pct in value.items()
                    if str(pid).isdigit()
                ),
            )
        f = self.fields.get(name)
        if f is None:
            return format_html("{}", value)
        if f.is_relation:
            related = self.names.get(f.related_model, {}).get(value)
            return display_value(related) if related is not None else format_html("#{}", value)
        if f.choices:
            return format_html("{}", dict(f.flatchoices).get(value, value))
        if isinstance(value, bool):
            return format_html("{}", "Yes" if value else "No")
        return format_html("{}", value)
