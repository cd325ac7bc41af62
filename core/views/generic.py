"""Generic pages for every model, declared: an app says what a model's pages are, once.

A domain app declares one small class per model and mounts its URLs::

    class SiteViews(ModelViews):
        model = Site
        filterset_class = SiteFilterSet
        table_class = SiteTable
        form_class = SiteForm
        nav_label = "Sites"

    urlpatterns = [*SiteViews.urls()]

That gives list, detail, add, edit, delete and history pages (core.views.pages), export and
import (core.views.data), a place in the navigation, and the model's records on a council's
page (`on_council_page`). Every page starts from ``Model.objects.visible_to(request.user)``:
another council's record is a 404, a visible record the person may not act on is a 403, and an
anonymous visitor is sent to sign in. Lists page by keyset (no COUNT), sort only on the table's
sortable columns, narrow to the header's partner filter, and link to the export and import of
the same filtered list. Saves run in a transaction that re-checks the author can still see the
record afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q
from django.http import HttpRequest
from django.urls import URLPattern, path, reverse
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.text import capfirst, slugify

from core.related import with_related
from core.services import set_audience, set_owner_shares
from core.tables import (
    Table,
    default_detail_fields,
    display_value,
    field_label,
    model_field,
)
from core.tenancy.access import ADD, access_for
from core.tenancy.models import Partner
from core.tenancy.records import record_names, serve_pages
from core.views.pages import (
    ModelCreateView,
    ModelDeleteView,
    ModelDetailView,
    ModelHistoryView,
    ModelListView,
    ModelUpdateView,
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
        for word in ("verbose_name", "verbose_name_plural"):
            if word in cls.__dict__:
                # One name for one thing: the pages' words are the model's, where every other
                # page, link and change log entry reads them too.
                raise ImproperlyConfigured(
                    f"{cls.__name__} declares {word}: declare the model's noun and noun_plural "
                    "instead (docs/adding-a-model.md)"
                )

    model: ClassVar[Any]
    filterset_class: ClassVar[Any]
    table_class: ClassVar[type[Table]]
    form_class: ClassVar[Any]
    #: A different form for adding a record (None: the same form as editing).
    create_form_class: ClassVar[Any] = None
    #: Fields shown on the detail page (None: every editable field of the record).
    detail_fields: ClassVar[list[str] | None] = None
    related: ClassVar[list[Related]] = []
    #: For a model with own records: the actions of these generic pages that a grant on one's
    #: own records allows (None: every one). A ticket's requester may view their ticket here,
    #: but follows it up through the desk's own pages, not its generic edit page.
    own_actions: ClassVar[frozenset[str] | None] = None
    #: A council's page lists the records of this kind the council owns (or co-owns), under
    #: the navigation label: each app shows its records there without the partners app
    #: knowing the app.
    on_council_page: ClassVar[bool] = False
    #: The pages of other records these records are listed on, as (model label, the field of
    #: these records naming one): ``(("assets.Asset", "device"),)`` lists a device's
    #: installations on the device's page. How an app shows its records on another app's
    #: record pages without that app importing it (the dependency runs the other way).
    shown_on: ClassVar[tuple[tuple[str, str], ...]] = ()
    #: A council's page offers "Add <noun>" for these records, with that council chosen in
    #: the add page's council field, to those who may add one in that council
    #: (`council_next_steps`): each app offers its next step without the partners app
    #: knowing the app.
    add_on_council_page: ClassVar[bool] = False
    #: URL path prefix (None: the hyphenated plural of the model's name, e.g. ``site-types``).
    path_prefix: ClassVar[str | None] = None
    #: The label in the service navigation (None: not in the navigation).
    nav_label: ClassVar[str | None] = None
    #: The navigation group (a key of core.navigation.GROUPS; None: the group of the model's
    #: area, core.navigation.AREA_GROUPS).
    nav_group: ClassVar[str | None] = None
    #: The place within its group (lower first).
    nav_order: ClassVar[int] = 100
    #: False for records nobody adds by hand (made by a job, or one row made by its page):
    #: no "Add" link and no add page, whatever the grant tables allow.
    addable: ClassVar[bool] = True
    #: Rows per page (None: settings.CONCORD_PAGE_SIZE).
    page_size: ClassVar[int | None] = None

    # Hooks a model's views may override -------------------------------------------------

    @classmethod
    def get_form_class(cls, creating: bool) -> Any:
        """The form for adding (`creating`) or editing a record."""
        return (cls.create_form_class or cls.form_class) if creating else cls.form_class

    @classmethod
    def save_form(cls, form: Any, request: HttpRequest, creating: bool) -> Any:
        """Save a valid form and return the record (None if the record no longer exists); a
        co-owned record's owner shares, and the councils a record is for, are saved with it.

        Runs inside the page's transaction; raising ValidationError rolls the save back and
        shows the message on the form.
        """
        obj = form.save()
        if getattr(form, "share_fields", None):
            set_owner_shares(obj, form.shares)
        if getattr(form, "audience_fields", None):
            set_audience(obj, form.audience)
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
        label = cls.model._meta.label
        for views in DECLARED:
            for shown_label, field_name in views.shown_on:
                if shown_label == label:
                    found.append(views.section_on(field_name))
        return found

    @classmethod
    def section_on(cls, field_name: str) -> Related:
        """The list of these records on the page of the record their `field_name` names."""
        filters = getattr(cls.filterset_class, "base_filters", {})
        return Related(
            cls.nav_label or capfirst(cls.names()[1]),
            cls.model,
            field_name,
            cls.table_class,
            list_param=field_name if field_name in filters else None,
        )

    @classmethod
    def council_section(cls) -> Related:
        """The list of these records on the page of the council that owns them."""
        model = cls.model
        filters = getattr(cls.filterset_class, "base_filters", {})
        return Related(
            cls.nav_label or capfirst(cls.names()[1]),
            model,
            lambda partner: model.ownership_filter([partner.pk]),
            cls.table_class,
            list_param="partner" if "partner" in filters else None,
        )

    @classmethod
    def council_next_steps(cls, partner: Any, request: HttpRequest) -> list[tuple[str, str]]:
        """The next steps a council's page offers for these records, as (label, URL) links,
        only those the reader may take: by default "Add <noun>" with the council chosen, when
        the views are `add_on_council_page` and the reader may add such a record there (never
        in a council that has left). Override to offer more (the partners app offers the
        council's export)."""
        if not cls.add_on_council_page:
            return []
        if not access_for(request.user).can(ADD, cls.model.area, [partner.pk]):
            return []
        url = f"{reverse(cls.model.url_name('create'))}?{urlencode({'partner': partner.pk})}"
        return [(f"Add {cls.names()[0]}", url)]

    @classmethod
    def next_steps(cls, obj: Any, request: HttpRequest) -> list[tuple[str, str]]:
        """Links to what the reader may do next from a record's page, (label, URL): on a
        council's page, every declared views' `council_next_steps`, in navigation order, the
        council's own (its export) last. Other records offer none unless their views
        override this."""
        if cls.model is not Partner:
            return []
        ordered = sorted(DECLARED, key=lambda views: (views.model is Partner, views.nav_order))
        return [step for views in ordered for step in views.council_next_steps(obj, request)]

    @classmethod
    def read_only_notice(cls, obj: Any, request: HttpRequest) -> str:
        """What a record's page tells a person who may read it but neither change nor delete
        it (an auditor, a requester, anyone once its councils have left the partnership)."""
        owners = obj.owning_partner_ids()
        if owners and set(owners) <= access_for(request.user).left_partner_ids:
            return (
                "You can read this record but not change it: its council has left the partnership."
            )
        return "You can read this record but not change it."

    @classmethod
    def own_grants_count(cls, action: str) -> bool:
        """Whether a grant on one's own records allows `action` on these pages."""
        return cls.own_actions is None or action in cls.own_actions

    @classmethod
    def detail_context(cls, obj: Any, request: HttpRequest) -> dict[str, Any]:
        """More for a detail page's template to draw (a ticket's replies and reply form); a
        model's own ``<app>/<model>_detail.html`` draws it in the ``detail_extra`` block."""
        return {}

    @classmethod
    def extra_links(cls, obj: Any, request: HttpRequest) -> list[tuple[str, str]]:
        """More (label, URL) links beside Edit, History and Delete on a detail page."""
        return []

    @classmethod
    def list_links(cls, request: HttpRequest) -> list[tuple[str, str]]:
        """More (label, URL) links beside Add and Import on the list page (pages of the
        records as a whole: a register's published files). Offer only what the reader may
        use."""
        return []

    @classmethod
    def names(cls) -> tuple[str, str]:
        """What the pages call one record and several, e.g. ("site", "sites"): the model's
        (core.tenancy.records.record_names), never the views' own, so that a link elsewhere
        naming the record says what its page says."""
        return record_names(cls.model)

    @classmethod
    def success_message(cls, obj: Any, verb: str) -> str:
        return f"{capfirst(cls.names()[0])} “{obj}” {verb}."

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
