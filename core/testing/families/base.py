"""Generic test families: every model's pages and API, exercised by declaring a small class.

A model's test module subclasses `ModelFamily` and declares the model, who is who in the cast
and how to make sample data; pytest then collects, for that model, tests of the list, detail,
create, update, delete, history, export (CSV and XLSX) and import pages and of the API (its
export too), each as an anonymous visitor, as people who can see the record but lack the
permission ("denied"), as a permitted person (checking the change record names them) and as
another council's person (the "outsider": a 404 everywhere, and never a row, a search hit, a
dropdown option or an export row).
A model whose records take attachments (``attachable``) also gets tests of attaching, downloading
and deleting files on its records, in pages and API, as each of those people.
List pages and API lists have pinned query counts, so an N+1 fails a test.

    class TestSite(ModelFamily):
        model = Site
        permitted = "wcc_lead"
        denied = ("wcc_staff", "wcc_auditor")
        outsider = "rbkc_lead"
        list_queries = 12
        api_list_queries = 8

        def make(self, cast, partner):
            return Site.objects.create(partner=partner, code=f"S{self.seq()}", name=...)

        def create_data(self, cast, partner): ...
        def update_data(self, cast, obj): ...

Every family declared in a test module registers its model as it is defined
(`ModelFamily.__init_subclass__`), and core/tests/test_families_machinery.py fails when a
concrete Concord model has no family (bar an explicit, reasoned allow-list).

Tests that do not apply to a model (no outsider for a catalogue, no import for a model without
import fields, a page the model does not offer) are not collected at all, rather than skipped.
What each person may do is read from the grant table (partners.access), so a family checks
that pages and API obey it, and each declaration is checked against it too (a "permitted"
person who is not permitted is a broken declaration, not a passing test).
"""

from __future__ import annotations

import csv
import importlib
import io
import itertools
import pkgutil
import types
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import CharField, Model, TextField
from django.test import Client
from django.urls import reverse

from core.models import ChangeRecord
from core.tenancy.records import ConcordModel
from core.tenancy.scoping import ScopeError, system_scope
from core.testing.cast import Cast

ALL_PAGES = frozenset(
    {"list", "create", "detail", "update", "delete", "history", "export", "import"}
)
ALL_API = frozenset(
    {"list", "retrieve", "create", "update", "partial_update", "destroy", "import", "export"}
)

# Statuses a refused cross-council write may get: a form error, a validation error, or a
# refusal. What matters is that nothing was written and nothing was revealed.
REFUSED = (200, 400, 403, 404)

F = TypeVar("F", bound=Callable[..., Any])


def applies(condition: Callable[[Any], bool]) -> Callable[[F], F]:
    """Collect the decorated test only for families where `condition(cls)` holds."""

    def mark(func: F) -> F:
        func._family_applies = condition  # type: ignore[attr-defined]
        return func

    return mark


def has_page(view: str) -> Callable[[Any], bool]:
    return lambda cls: view in cls.pages


def has_api(action: str) -> Callable[[Any], bool]:
    return lambda cls: cls.api and action in cls.api_actions


def _all(*conditions: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda cls: all(c(cls) for c in conditions)


def has_outsider(cls: Any) -> bool:
    return cls.outsider is not None


def has_denied(cls: Any) -> bool:
    return bool(cls.denied)


#: The cast's shared-service staff: they see every council, so nothing is out of their reach.
SERVICE_CAST = frozenset({"agent", "finance", "manager"})


def owned_by_one(cls: Any) -> bool:
    return bool(cls.model.ownership == "partner")


def council_permitted(cls: Any) -> bool:
    return cls.permitted not in SERVICE_CAST


def imports(cls: Any) -> bool:
    return bool(cls.model.import_fields)


def unscoped(model: type[Model]) -> Any:
    """The whole table, for a test's own checks of what was written."""
    return model.objects.unscoped("test family check")  # type: ignore[attr-defined]


def formula_field(model: Any) -> str | None:
    """A text column of `model`'s exports that the formula-guard tests may fill with a formula:
    the first free-text field, else the first text field with choices (a role), else None."""
    own = [f for f in model._meta.concrete_fields if f.name in model.export_fields()]
    text = [f for f in own if isinstance(f, CharField | TextField) and not f.primary_key]
    free = [f for f in text if not f.choices]
    chosen = free or text
    return chosen[0].name if chosen else None


def has_text_column(cls: Any) -> bool:
    return formula_field(cls.model) is not None


# Which models the suite covers ---------------------------------------------------------------

#: Every family class defined with a model, as it was defined (see `declared_families`).
_DEFINED_FAMILIES: list[type[ModelFamily]] = []


def declared_families() -> list[type[ModelFamily]]:
    """The families pytest collects: ``Test...`` classes at the top of a test module.

    Families made only to look at the machinery (``_Sites``), or inside a test function, do
    not count: they run no test of their model.
    """
    return [
        family
        for family in _DEFINED_FAMILIES
        if family.__name__.startswith("Test") and family.__qualname__ == family.__name__
    ]


def import_project_tests() -> list[str]:
    """Import every test module of every installed app of this project (its ``tests``
    package, walked with pkgutil), so that their families are defined; their names.

    Apps from installed packages (site-packages) are not the project's, even when the
    virtual environment sits inside the project's folder.
    """
    from django.conf import settings

    root = Path(settings.BASE_DIR).resolve()
    imported: list[str] = []
    for config in apps.get_app_configs():
        where = Path(config.path).resolve()
        if not where.is_relative_to(root) or "site-packages" in where.parts:
            continue
        name = f"{config.name}.tests"
        try:
            package = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue  # an app with no tests package has no families to find
            raise
        for module in pkgutil.walk_packages(package.__path__, prefix=f"{name}."):
            if module.ispkg or module.name.rsplit(".", 1)[-1].startswith("test_"):
                imported.append(importlib.import_module(module.name).__name__)
    return imported


def concrete_concord_models() -> list[type[ConcordModel]]:
    """Every installed, concrete (not abstract, not proxy) Concord model: the scoped records."""
    return sorted(
        (
            model
            for model in apps.get_models()
            if issubclass(model, ConcordModel) and not model._meta.proxy
        ),
        key=lambda model: model._meta.label_lower,
    )


def models_without_family(
    models: Sequence[type[Model]], families: Sequence[type[Any]], allowed: Mapping[str, str]
) -> list[str]:
    """Labels (``app_label.model``) of `models` that no family declares and `allowed` does not
    excuse."""
    covered = {family.model._meta.label_lower for family in families}
    return [
        model._meta.label_lower
        for model in models
        if model._meta.label_lower not in covered and model._meta.label_lower not in allowed
    ]


def change_records(obj_or_model: Any, pk: Any, action: str) -> Any:
    """Change records of one record and kind of change."""
    model = obj_or_model if isinstance(obj_or_model, type) else type(obj_or_model)
    return unscoped(ChangeRecord).filter(
        content_type=ContentType.objects.get_for_model(model), object_id=pk, action=action
    )


def assert_sign_in_redirect(response: Any) -> None:
    """An anonymous visitor is sent to the sign-in page, with the way back."""
    assert response.status_code == 302, response.status_code
    assert response["Location"].startswith(reverse("login")), response["Location"]


def content_of(response: Any) -> str:
    """A response's body as text (streaming or not)."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8-sig")
    return response.content.decode("utf-8-sig")


def results_of(response: Any) -> list[dict[str, Any]]:
    """The rows of an API list response (paginated or not)."""
    data = response.json()
    if isinstance(data, dict):
        return list(data["results"])
    return list(data)


def csv_rows(response: Any) -> list[dict[str, str]]:
    """A CSV export as dictionaries by column."""
    return list(csv.DictReader(io.StringIO(content_of(response))))


def xlsx_rows(response: Any) -> list[dict[str, Any]]:
    """The first sheet of an XLSX export as dictionaries by column."""
    from openpyxl import load_workbook

    body = (
        b"".join(response.streaming_content)
        if getattr(response, "streaming", False)
        else response.content
    )
    sheet = load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [str(h) for h in next(rows)]
    return [dict(zip(header, row, strict=False)) for row in rows]


def csv_file(rows: list[dict[str, Any]], name: str = "import.csv") -> Any:
    """An uploaded CSV file made of `rows` (columns from the first row)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    buffer = io.StringIO()
    columns: list[str] = []
    for row in rows:
        columns += [c for c in row if c not in columns]
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode("utf-8"), content_type="text/csv")


def xlsx_file(rows: list[dict[str, Any]], name: str = "import.xlsx") -> Any:
    """An uploaded Excel workbook made of `rows` (columns from the first row)."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    columns: list[str] = []
    for row in rows:
        columns += [c for c in row if c not in columns]
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(columns)
    for row in rows:
        sheet.append([row.get(c) for c in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(
        name,
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


class ModelFamily:
    """The generic tests of one model; a test module subclasses it with a few declarations.

    Declarations (class attributes):

    - ``model``: the model under test.
    - ``owner``: the cast partner that owns the sample record (``"wcc"``).
    - ``permitted``: a cast user who may do everything the model offers to the sample.
    - ``denied``: cast users who can see the sample but may not write it.
    - ``outsider``: a cast user of another council, to whom the sample does not exist (None
      for catalogue records, which everyone signed in may read).
    - ``pages`` / ``api_actions``: which pages and API actions the model offers.
    - ``edited_field``: the field the update tests change (its new value comes from
      ``update_data``).
    - ``identity_field``: a field whose value names one record (finds created records,
      searches); defaults to the model's ``natural_key`` or ``name``.
    - ``list_rows``, ``list_queries``, ``api_list_queries``: the pinned query counts of the list
      page and API list as the permitted person, with ``list_rows`` sample records.

    Hooks (methods) to override: ``make`` (required), ``create_data`` and ``update_data``
    (required when the model can be created or edited), ``api_create_data`` /
    ``api_update_data`` (default: the form data), ``import_rows`` and ``bad_import_row``
    (models with import fields), ``sample`` and ``disposable`` (what is viewed and deleted).
    """

    model: ClassVar[type[ConcordModel]]
    owner: ClassVar[str] = "wcc"
    permitted: ClassVar[str] = "wcc_lead"
    denied: ClassVar[tuple[str, ...]] = ("wcc_staff", "wcc_auditor")
    outsider: ClassVar[str | None] = "rbkc_lead"
    pages: ClassVar[frozenset[str]] = ALL_PAGES
    api_actions: ClassVar[frozenset[str]] = ALL_API
    edited_field: ClassVar[str] = "name"
    identity_field: ClassVar[str | None] = None
    list_rows: ClassVar[int] = 5
    list_queries: ClassVar[int | None] = None
    api_list_queries: ClassVar[int | None] = None
    #: False when records of this kind are never deleted (others refer to them for good):
    #: the delete page and API then refuse in plain words and the record stays.
    deletable: ClassVar[bool] = True
    #: Generated tests known to fail for this model because of a gap not yet fixed, by name,
    #: with the reason. They run as strict xfails: when the gap is fixed they fail, so that
    #: the entry is removed. Keep this empty; it is for work in flight only.
    known_gaps: ClassVar[dict[str, str]] = {}
    #: False when the model has no API endpoint.
    api: ClassVar[bool] = True

    _counter: Iterator[int]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not getattr(cls, "model", None):
            return
        # Known to the check that every Concord model has a family (declared_families).
        _DEFINED_FAMILIES.append(cls)
        # A test that does not apply to this model is not collected at all (pytest only
        # collects callables), rather than reported as skipped on every run.
        for name in dir(cls):
            if not name.startswith("test_"):
                continue
            func = getattr(cls, name)
            condition = getattr(func, "_family_applies", None)
            if condition is not None and not condition(cls):
                setattr(cls, name, None)
        for name, reason in cls.known_gaps.items():
            # A copy of the inherited function, so that the mark stays on this model's test.
            func = getattr(cls, name)
            copy = types.FunctionType(
                func.__code__, func.__globals__, name, func.__defaults__, func.__closure__
            )
            copy.__annotations__ = dict(func.__annotations__)
            copy.__doc__ = func.__doc__
            setattr(cls, name, pytest.mark.xfail(strict=True, reason=reason)(copy))

    # Declarations a family may override -------------------------------------------------

    def _undeclared(self, name: str) -> ImproperlyConfigured:
        return ImproperlyConfigured(
            f"{type(self).__name__} must declare {name}() for the tests that use it "
            "(see core/testing/families.py and docs/adding-a-model.md)"
        )

    def make(self, cast: Cast, partner: Any) -> ConcordModel:
        """A new saved record owned by `partner` (called inside a system scope)."""
        raise self._undeclared("make")

    def create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        """Form data that creates a new record owned by `partner`."""
        raise self._undeclared("create_data")

    def update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        """Form data that edits `obj`, changing ``edited_field``."""
        raise self._undeclared("update_data")

    def api_create_data(self, cast: Cast, partner: Any) -> dict[str, Any]:
        """API payload that creates a new record owned by `partner` (default: the form data)."""
        return self.create_data(cast, partner)

    def api_update_data(self, cast: Cast, obj: Any) -> dict[str, Any]:
        """A full API payload (PUT) that changes ``edited_field`` of `obj`."""
        return self.update_data(cast, obj)

    def import_rows(self, cast: Cast, partner: Any) -> list[dict[str, Any]]:
        """Good rows for an import of new records owned by `partner`."""
        raise self._undeclared("import_rows")

    def bad_import_row(self, cast: Cast, partner: Any) -> tuple[dict[str, Any], str]:
        """A row an import must refuse, and the column its error names."""
        raise self._undeclared("bad_import_row")

    def sample(self, cast: Cast) -> ConcordModel:
        """The record the tests look at: owned by ``owner``."""
        return self.make(cast, getattr(cast, self.owner))

    def disposable(self, cast: Cast) -> ConcordModel:
        """A record the delete tests may delete (default: a fresh sample)."""
        return self.sample(cast)

    def assert_updated(self, obj: Any, data: dict[str, Any], user: Any) -> None:
        """`obj` now holds `data`'s ``edited_field``, and the change log names `user`."""
        fresh = self.refetch(obj)
        assert str(getattr(fresh, self.edited_field)) == str(data[self.edited_field])
        self.assert_changed_by(obj.pk, "update", user)

    def history_text(self, data: dict[str, Any]) -> str:
        """What the history page shows of an edit made with `data`."""
        return str(data[self.edited_field])

    def identity(self) -> str:
        """The field whose value names one record."""
        return self.identity_field or self.model.natural_key or "name"

    def search_term(self, obj: Any) -> str:
        """What a search for `obj` types in."""
        return str(getattr(obj, self.identity()))

    def secrets(self, cast: Cast, obj: Any) -> list[str]:
        """Texts that must never reach the outsider: the record's name, its owners' names."""
        from core.tenancy.access import access_for
        from core.tenancy.models import Partner

        texts = [self.search_term(obj), self.link(obj)]
        outsider = getattr(cast, self.outsider) if self.outsider else None
        theirs = set(access_for(outsider).roles_by_partner) if outsider else set()
        owners = [pid for pid in obj.owning_partner_ids() if pid not in theirs]
        texts += [p.name for p in unscoped(Partner).filter(pk__in=owners)]
        return texts

    # Helpers --------------------------------------------------------------------------------

    def seq(self) -> int:
        """A number unique within the test, for codes and names."""
        if not hasattr(self, "_counter"):
            self._counter = itertools.count(1)
        return next(self._counter)

    def given(self, factory: Callable[..., Any], *args: Any) -> Any:
        """Run a data hook as the system (sample data is not anyone's doing)."""
        with system_scope("test family sample data"):
            return factory(*args)

    def user(self, cast: Cast, name: str | None) -> Any:
        """The cast member called `name` (``"wcc_lead"``)."""
        assert name is not None, "this test needs a declared cast member"
        return getattr(cast, name)

    def can(self, user: Any, action: str, obj: Any = None) -> bool:
        """What the grant table says `user` may do to `obj` (or to the model, with no obj)."""
        from core.tenancy.access import access_for

        owners = obj.owning_partner_ids() if obj is not None else None
        return access_for(user).can(action, self.model.area, owners)

    def url(self, view: str, obj: Any = None) -> str:
        args = [obj.pk] if obj is not None else []
        return reverse(self.model.url_name(view), args=args)

    def api_url(self, kind: str, obj: Any = None, suffix: str = "") -> str:
        name = self.model._meta.model_name
        args = [obj.pk] if obj is not None else []
        return reverse(f"api:{name}-{kind}", args=args)

    def link(self, obj: Any) -> str:
        """How a page links to `obj` (the closing quote stops /sites/1/ matching /sites/12/)."""
        return f'href="{obj.get_absolute_url()}"'

    def refetch(self, obj: Any) -> Any:
        return unscoped(self.model).filter(pk=obj.pk).first()

    def find(self, data: dict[str, Any]) -> Any:
        key = self.identity()
        return unscoped(self.model).filter(**{key: data[key]}).first()

    def snapshot(self, obj: Any) -> dict[str, Any]:
        fresh = self.refetch(obj)
        return fresh.tracked_values() if fresh is not None else {}

    def assert_changed_by(self, obj_pk: Any, action: str, user: Any) -> None:
        """A change record of `action` names `user` and its request."""
        records = change_records(self.model, obj_pk, action)
        record = records.filter(actor=user).order_by("-id").first()
        assert record is not None, (
            f"no {action} change record of {self.model.__name__} #{obj_pk} by {user}: "
            f"{list(records.values_list('actor__username', 'actor_label'))}"
        )
        assert record.request_id, "the change record names no request (or job) id"

    def assert_secret_absent(
        self, cast: Cast, obj: Any, text: str, where: str, echoed: tuple[str, ...] = ()
    ) -> None:
        """None of the record's `secrets` is in `text` (bar what the request itself sent)."""
        for secret in self.secrets(cast, obj):
            if secret in echoed:
                continue
            assert secret not in text, f"{where} reveals {secret!r} to {self.outsider}"

    def assert_list_queries(
        self, cast: Cast, fetch: Callable[[], Any], fixture: Any, expected: int | None
    ) -> Any:
        """`fetch` (a list) costs `expected` queries with some rows, and as many with twice
        as many rows: a query per row (an N+1) fails one check or the other."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        assert expected is not None, "pin the query count: set list_queries/api_list_queries"
        owner = getattr(cast, self.owner)
        for _ in range(self.list_rows):
            self.given(self.make, cast, owner)
        fetch()  # warm what a running server has warm (content types)
        with CaptureQueriesContext(connection) as first:
            assert fetch().status_code == 200
        for _ in range(self.list_rows):
            self.given(self.make, cast, owner)
        with fixture(expected):
            response = fetch()
        assert response.status_code == 200
        assert len(first) == expected, f"{len(first)} queries with {self.list_rows} rows"
        return response

    # Declarations are checked against the grant table ---------------------------------------

    def test_declarations_match_grants(self, cast: Cast) -> None:
        obj = self.given(self.sample, cast)
        permitted = self.user(cast, self.permitted)
        assert self.can(permitted, "view", obj)
        for action in ("change", "delete") if "update" in self.pages else ():
            assert self.can(permitted, action, obj), f"{self.permitted} may not {action}"
        for name in self.denied:
            user = self.user(cast, name)
            assert self.can(user, "view", obj), f"{name} cannot see the sample"
            assert not self.can(user, "change", obj), f"{name} may change the sample"
        if self.outsider:
            assert not self.can(self.user(cast, self.outsider), "view", obj)

    def test_unscoped_query_raises(self, cast: Cast) -> None:
        self.given(self.sample, cast)
        with pytest.raises(ScopeError):
            list(self.model.objects.all())
        with pytest.raises(ScopeError):
            self.model.objects.filter(pk=1).exists()
        with pytest.raises(ScopeError):
            self.model.objects.count()

    def test_scoped_queries_follow_visibility(self, cast: Cast) -> None:
        obj = self.given(self.sample, cast)
        qs = self.model.objects
        assert qs.visible_to(self.user(cast, self.permitted)).filter(pk=obj.pk).exists()
        for name in self.denied:
            assert qs.visible_to(self.user(cast, name)).filter(pk=obj.pk).exists(), name
            assert not qs.visible_to(self.user(cast, name), "change").filter(pk=obj.pk).exists()
        if self.outsider:
            assert not qs.visible_to(self.user(cast, self.outsider)).filter(pk=obj.pk).exists()
        from django.contrib.auth.models import AnonymousUser

        assert not qs.visible_to(AnonymousUser()).exists()

    # Pages: list ---------------------------------------------------------------------------

    @applies(has_page("list"))
    def test_page_list_anonymous(self, cast: Cast) -> None:
        self.given(self.sample, cast)
        assert_sign_in_redirect(Client().get(self.url("list")))

    @applies(has_page("list"))
    def test_page_list_shows_the_record(self, cast: Cast, client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        for name in (self.permitted, *self.denied):
            response = client_for(self.user(cast, name)).get(self.url("list"))
            assert response.status_code == 200, name
            assert self.link(obj) in content_of(response), name

    @applies(has_page("list"))
    def test_page_list_search(self, cast: Cast, client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        other = self.given(self.make, cast, getattr(cast, self.owner))
        client = client_for(self.user(cast, self.permitted))
        response = client.get(self.url("list"), {"q": self.search_term(obj)})
        assert response.status_code == 200
        text = content_of(response)
        assert self.link(obj) in text
        assert self.link(other) not in text

    @applies(_all(has_page("list"), has_outsider))
    def test_page_list_outsider(self, cast: Cast, client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        client = client_for(self.user(cast, self.outsider))
        for params in ({}, {"q": self.search_term(obj)}):
            response = client.get(self.url("list"), params)
            assert response.status_code == 200
            text = content_of(response)
            self.assert_secret_absent(cast, obj, text, f"list {params}", tuple(params.values()))

    def filterset_class(self) -> Any:
        """The filter set the list page (and API) use for this model."""
        from django.urls import resolve

        match = resolve(self.url("list"))
        views = match.func.view_initkwargs["views"]  # type: ignore[attr-defined]
        return views.filterset_class

    def filters_by_owner(self) -> bool:
        return "partner" in self.filterset_class().base_filters

    @applies(_all(has_page("list"), has_outsider, owned_by_one))
    def test_page_list_filter_by_other_council(self, cast: Cast, client_for: Any) -> None:
        """Naming another council in the list's filters lists nothing and names nothing."""
        obj = self.given(self.sample, cast)
        if not self.filters_by_owner():
            pytest.skip(f"{self.model.__name__}'s list has no council filter")
        owner = getattr(cast, self.owner)
        client = client_for(self.user(cast, self.outsider))
        response = client.get(self.url("list"), {"partner": owner.pk})
        assert response.status_code in (200, 400)
        self.assert_secret_absent(cast, obj, content_of(response), "list filtered by owner")
        if "export" in self.pages:
            response = client.get(self.url("export"), {"format": "csv", "partner": owner.pk})
            assert response.status_code in (400, 403) or csv_rows(response) == []

    @applies(has_page("list"))
    def test_page_list_queries(
        self, cast: Cast, client_for: Any, django_assert_num_queries: Any
    ) -> None:
        client = client_for(self.user(cast, self.permitted))
        self.assert_list_queries(
            cast, lambda: client.get(self.url("list")), django_assert_num_queries, self.list_queries
        )

    # Nothing a client sends is a server error -----------------------------------------------

    ODD_VALUES: ClassVar[tuple[str, ...]] = (
        "abc",
        "-1",
        "99999999999999999999999",
        "\x00",
        "é" * 300,
    )

    def odd_params(self) -> list[dict[str, str]]:
        """Query strings a list must survive: every filter given nonsense, odd sorts, cursors."""
        params: list[dict[str, str]] = [
            {"sort": "no_such_column"},
            {"sort": "-password"},
            {"cursor": "%%%"},
            {"cursor": "eyJ4IjogMX0="},
            {"q": "x" * 5000},
            {"page_size": "100000"},
            {"ordering": "-no_such_field"},
        ]
        for name in self.filterset_class().base_filters:
            params += [{name: value} for value in self.ODD_VALUES]
        return params

    @applies(has_page("list"))
    def test_page_list_odd_parameters_no_500(self, cast: Cast, client_for: Any) -> None:
        self.given(self.sample, cast)
        client = client_for(self.user(cast, self.permitted))
        for params in self.odd_params():
            response = client.get(self.url("list"), params)
            assert response.status_code in (200, 400), (params, response.status_code)
            if "export" in self.pages:
                response = client.get(self.url("export"), {"format": "csv", **params})
                assert response.status_code in (200, 400), (params, response.status_code)

    @applies(has_api("list"))
    def test_api_list_odd_parameters_no_500(self, cast: Cast, api_client_for: Any) -> None:
        self.given(self.sample, cast)
        client = api_client_for(self.user(cast, self.permitted))
        for params in self.odd_params():
            response = client.get(self.api_url("list"), params)
            assert response.status_code in (200, 400), (params, response.status_code)
            if response.status_code == 400:
                assert response.json()["errors"], params
            if "export" not in self.api_actions:
                continue
            exported = client.get(self.api_url("export"), {"format": "csv", **params})
            if {"cursor", "page_size"} & set(params):
                # The export is the whole list: it takes no page and ignores paging.
                assert exported.status_code == 200, (params, exported.status_code)
                continue
            # The same filters and sort as the list: refused exactly when the list refuses.
            assert exported.status_code == response.status_code, (params, exported.status_code)
            if exported.status_code == 400:
                assert exported.json()["errors"] == response.json()["errors"], params

    @applies(has_page("detail"))
    def test_page_odd_ids_404(self, cast: Cast, client_for: Any) -> None:
        client = client_for(self.user(cast, self.permitted))
        prefix = self.url("list")
        for pk in ("0", "99999999999999999999999", "-1", "abc"):
            for suffix in ("", "edit/", "delete/", "history/"):
                response = client.get(f"{prefix}{pk}/{suffix}")
                assert response.status_code == 404, (pk, suffix)

    @applies(has_page("create"))
    def test_page_create_empty_form_shows_errors(self, cast: Cast, client_for: Any) -> None:
        response = client_for(self.user(cast, self.permitted)).post(self.url("create"), {})
        assert response.status_code == 200
        assert "There is a problem" in content_of(response)

    # Pages: detail ---------------------------------------------------------------------------

    @applies(has_page("detail"))
    def test_page_detail_anonymous(self, cast: Cast) -> None:
        obj = self.given(self.sample, cast)
        assert_sign_in_redirect(Client().get(self.url("detail", obj)))

    @applies(has_page("detail"))
    def test_page_detail_visible(self, cast: Cast, client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        for name in (self.permitted, *self.denied):
            response = client_for(self.user(cast, name)).get(self.url("detail", obj))
            assert response.status_code == 200, name
            assert self.search_term(obj) in content_of(response), name

    @applies(_all(has_page("detail"), has_outsider))
    def test_page_detail_outsider_404(self, cast: Cast, client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        response = client_for(self.user(cast, self.outsider)).get(self.url("detail", obj))
        assert response.status_code == 404
        self.assert_secret_absent(cast, obj, content_of(response), "detail 404")

    @applies(has_page("detail"))
    def test_page_detail_missing_404(self, cast: Cast, client_for: Any) -> None:
        response = client_for(self.user(cast, self.permitted)).get(
            reverse(self.model.url_name("detail"), args=[987654321])
        )
        assert response.status_code == 404

    # Pages: create ---------------------------------------------------------------------------

    @applies(has_page("create"))
    def test_page_create_anonymous(self, cast: Cast) -> None:
        data = self.create_data(cast, getattr(cast, self.owner))
        client = Client()
        assert_sign_in_redirect(client.get(self.url("create")))
        assert_sign_in_redirect(client.post(self.url("create"), data))
        assert self.find(data) is None

    @applies(has_page("create"))
    def test_page_create_permitted(self, cast: Cast, client_for: Any) -> None:
        user = self.user(cast, self.permitted)
        client = client_for(user)
        assert client.get(self.url("create")).status_code == 200
        data = self.create_data(cast, getattr(cast, self.owner))
        response = client.post(self.url("create"), data)
        assert response.status_code == 302, content_of(response)[:3000]
        created = self.find(data)
        assert created is not None
        assert response["Location"] == created.get_absolute_url()
        self.assert_changed_by(created.pk, "create", user)

    @applies(_all(has_page("create"), lambda cls: cls.model.ownership != "catalogue"))
    def test_page_create_is_in_the_owners_change_log(self, cast: Cast, client_for: Any) -> None:
        """Every change record of a new record, its creation included, is in each owning
        council's change log (so the council's auditor sees the whole story)."""
        from core.models import ChangeRecordPartner

        client = client_for(self.user(cast, self.permitted))
        data = self.create_data(cast, getattr(cast, self.owner))
        assert client.post(self.url("create"), data).status_code == 302
        created = self.find(data)
        owners = set(created.owning_partner_ids())
        assert owners
        for record in unscoped(ChangeRecord).filter(
            content_type=ContentType.objects.get_for_model(self.model), object_id=created.pk
        ):
            logged = set(
                ChangeRecordPartner.objects.filter(change=record).values_list(
                    "partner_id", flat=True
                )
            )
            assert owners <= logged, f"the {record.action} record is missing from {owners - logged}"

    @applies(_all(has_page("create"), has_denied))
    def test_page_create_denied_403(self, cast: Cast, client_for: Any) -> None:
        data = self.create_data(cast, getattr(cast, self.owner))
        for name in self.denied:
            client = client_for(self.user(cast, name))
            assert client.get(self.url("create")).status_code == 403, name
            assert client.post(self.url("create"), data).status_code == 403, name
        assert self.find(data) is None

    @applies(_all(has_page("create"), has_outsider))
    def test_page_create_outsider(self, cast: Cast, client_for: Any) -> None:
        """The outsider's form offers no other council, and a forged choice writes nothing."""
        obj = self.given(self.sample, cast)
        outsider = self.user(cast, self.outsider)
        client = client_for(outsider)
        response = client.get(self.url("create"))
        expected = 200 if self.can(outsider, "add") else 403
        assert response.status_code == expected
        self.assert_secret_absent(cast, obj, content_of(response), "create form")
        data = self.create_data(cast, getattr(cast, self.owner))
        response = client.post(self.url("create"), data)
        assert response.status_code in REFUSED
        assert self.find(data) is None
        self.assert_secret_absent(cast, obj, content_of(response), "create form errors")

    # Pages: update ---------------------------------------------------------------------------

    @applies(has_page("update"))
    def test_page_update_anonymous(self, cast: Cast) -> None:
        obj = self.given(self.sample, cast)
        before = self.snapshot(obj)
        client = Client()
        assert_sign_in_redirect(client.get(self.url("update", obj)))
        assert_sign_in_redirect(client.post(self.url("update", obj), self.update_data(cast, obj)))
        assert self.snapshot(obj) == before

    @applies(has_page("update"))
    def test_page_update_permitted(self, cast: Cast, client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        user = self.user(cast, self.permitted)
        client = client_for(user)
        assert client.get(self.url("update", obj)).status_code == 200
        data = self.update_data(cast, obj)
        response = client.post(self.url("update", obj), data)
        assert response.status_code == 302, content_of(response)[:3000]
        self.assert_updated(obj, data, user)

    @applies(_all(has_page("update"), has_denied))
    def test_page_update_denied_403(self, cast: Cast, client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        before = self.snapshot(obj)
        data = self.update_data(cast, obj)
        for name in self.denied:
            client = client_for(self.user(cast, name))
            assert client.get(self.url("update", obj)).status_code == 403, name
            assert client.post(self.url("update", obj), data).status_code == 403, name
        assert self.snapshot(obj) == before

    @applies(_all(has_page("update"), has_outsider))
    def test_page_update_outsider_404(self, cast: Cast, client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        before = self.snapshot(obj)
        client = client_for(self.user(cast, self.outsider))
        assert client.get(self.url("update", obj)).status_code == 404
        assert client.post(self.url("update", obj), self.update_data(cast, obj)).status_code == 404
        assert self.snapshot(obj) == before

    @staticmethod
    def moved_to(data: dict[str, Any], partner: Any, api: bool) -> dict[str, Any]:
        """`data` with the record moved to `partner`."""
        assert "partner" in data, "the update data of a partner-owned record names its partner"
        return {**data, "partner": partner.code if api else partner.pk}

    @applies(_all(has_page("update"), has_outsider, owned_by_one, council_permitted))
    def test_page_update_cannot_move_out_of_reach(self, cast: Cast, client_for: Any) -> None:
        """A council's person cannot hand their record to a council they cannot see."""
        obj = self.given(self.sample, cast)
        other = cast.partner_of(self.user(cast, self.outsider))
        data = self.moved_to(self.update_data(cast, obj), other, api=False)
        user = self.user(cast, self.permitted)
        before = self.snapshot(obj)
        response = client_for(user).post(self.url("update", obj), data)
        assert response.status_code == 200  # the form again, with the error
        assert self.snapshot(obj) == before

    @applies(_all(has_api("update"), has_outsider, owned_by_one, council_permitted))
    def test_api_update_cannot_move_out_of_reach(self, cast: Cast, api_client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        other = cast.partner_of(self.user(cast, self.outsider))
        data = self.moved_to(self.api_update_data(cast, obj), other, api=True)
        user = self.user(cast, self.permitted)
        before = self.snapshot(obj)
        response = api_client_for(user).put(self.api_url("detail", obj), data, format="json")
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "partner"
        assert self.snapshot(obj) == before

    # Pages: delete ---------------------------------------------------------------------------

    @applies(has_page("delete"))
    def test_page_delete_anonymous(self, cast: Cast) -> None:
        obj = self.given(self.sample, cast)
        client = Client()
        assert_sign_in_redirect(client.get(self.url("delete", obj)))
        assert_sign_in_redirect(client.post(self.url("delete", obj)))
        assert self.refetch(obj) is not None

    @applies(has_page("delete"))
    def test_page_delete_permitted(self, cast: Cast, client_for: Any) -> None:
        obj = self.given(self.disposable, cast)
        user = self.user(cast, self.permitted)
        client = client_for(user)
        assert client.get(self.url("delete", obj)).status_code == 200
        response = client.post(self.url("delete", obj))
        if not self.deletable:
            # Refused in plain words, and the record stays.
            assert response.status_code == 200
            assert "cannot be deleted" in content_of(response)
            assert self.refetch(obj) is not None
            return
        assert response.status_code == 302, content_of(response)[:3000]
        assert self.refetch(obj) is None
        self.assert_changed_by(obj.pk, "delete", user)

    @applies(_all(has_page("delete"), has_denied))
    def test_page_delete_denied_403(self, cast: Cast, client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        for name in self.denied:
            client = client_for(self.user(cast, name))
            assert client.get(self.url("delete", obj)).status_code == 403, name
            assert client.post(self.url("delete", obj)).status_code == 403, name
        assert self.refetch(obj) is not None

    @applies(_all(has_page("delete"), has_outsider))
    def test_page_delete_outsider_404(self, cast: Cast, client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        client = client_for(self.user(cast, self.outsider))
        assert client.get(self.url("delete", obj)).status_code == 404
        assert client.post(self.url("delete", obj)).status_code == 404
        assert self.refetch(obj) is not None

    # Pages: history --------------------------------------------------------------------------

    @applies(has_page("history"))
    def test_page_history_anonymous(self, cast: Cast) -> None:
        obj = self.given(self.sample, cast)
        assert_sign_in_redirect(Client().get(self.url("history", obj)))

    @applies(_all(has_page("history"), has_page("update")))
    def test_page_history_shows_the_edit(self, cast: Cast, client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        user = self.user(cast, self.permitted)
        client = client_for(user)
        data = self.update_data(cast, obj)
        assert client.post(self.url("update", obj), data).status_code == 302
        response = client.get(self.url("history", obj))
        assert response.status_code == 200
        text = content_of(response)
        assert self.history_text(data) in text
        assert user.display_name in text

    @applies(_all(has_page("history"), has_denied))
    def test_page_history_denied(self, cast: Cast, client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        for name in self.denied:
            user = self.user(cast, name)
            expected = 200 if self.can(user, "history", obj) else 403
            response = client_for(user).get(self.url("history", obj))
            assert response.status_code == expected, name

    @applies(_all(has_page("history"), has_outsider))
    def test_page_history_outsider_404(self, cast: Cast, client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        response = client_for(self.user(cast, self.outsider)).get(self.url("history", obj))
        assert response.status_code == 404

    # Pages: export ---------------------------------------------------------------------------

    @applies(has_page("export"))
    def test_page_export_anonymous(self, cast: Cast) -> None:
        self.given(self.sample, cast)
        assert_sign_in_redirect(Client().get(self.url("export"), {"format": "csv"}))

    @applies(has_page("export"))
    def test_page_export_csv(self, cast: Cast, client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        other = self.given(self.make, cast, getattr(cast, self.owner))
        client = client_for(self.user(cast, self.permitted))
        response = client.get(self.url("export"), {"format": "csv"})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        assert "attachment" in response["Content-Disposition"]
        rows = csv_rows(response)
        assert list(rows[0]) == self.model.export_fields()
        ids = {row["id"] for row in rows}
        assert {str(obj.pk), str(other.pk)} <= ids
        # The export follows the list's filters.
        response = client.get(self.url("export"), {"format": "csv", "q": self.search_term(obj)})
        assert [row["id"] for row in csv_rows(response)] == [str(obj.pk)]

    @applies(has_page("export"))
    def test_page_export_xlsx(self, cast: Cast, client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        client = client_for(self.user(cast, self.permitted))
        response = client.get(self.url("export"), {"format": "xlsx"})
        assert response.status_code == 200
        assert "spreadsheetml" in response["Content-Type"]
        rows = xlsx_rows(response)
        assert list(rows[0]) == self.model.export_fields()
        assert str(obj.pk) in {str(row["id"]) for row in rows}

    @applies(_all(has_page("export"), has_denied))
    def test_page_export_denied(self, cast: Cast, client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        for name in self.denied:
            user = self.user(cast, name)
            response = client_for(user).get(self.url("export"), {"format": "csv"})
            if self.can(user, "export", obj):
                assert response.status_code == 200, name
                assert str(obj.pk) in {row["id"] for row in csv_rows(response)}, name
            else:
                assert response.status_code == 403, name

    @applies(_all(has_page("export"), has_outsider))
    def test_page_export_outsider(self, cast: Cast, client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        outsider = self.user(cast, self.outsider)
        client = client_for(outsider)
        for fmt in ("csv", "xlsx"):
            response = client.get(self.url("export"), {"format": fmt})
            if not self.can(outsider, "export"):
                assert response.status_code == 403
                continue
            assert response.status_code == 200
            rows = csv_rows(response) if fmt == "csv" else xlsx_rows(response)
            assert str(obj.pk) not in {str(row["id"]) for row in rows}
            flat = " ".join(str(v) for row in rows for v in row.values())
            self.assert_secret_absent(cast, obj, flat, f"{fmt} export")

    @applies(has_page("export"))
    def test_page_export_bad_format(self, cast: Cast, client_for: Any) -> None:
        client = client_for(self.user(cast, self.permitted))
        response = client.get(self.url("export"), {"format": "exe"})
        assert response.status_code in (400, 404)

    # Pages: import ---------------------------------------------------------------------------

    def page_upload(self, client: Any, rows: list[dict[str, Any]]) -> Any:
        """Upload `rows` as a CSV file; the answer redirects to the check's report."""
        return client.post(self.url("import"), {"file": csv_file(rows)})

    @staticmethod
    def job_of(response: Any) -> str:
        """The import job token in the redirect after an upload."""
        from urllib.parse import parse_qs, urlsplit

        assert response.status_code == 302, content_of(response)[:3000]
        return parse_qs(urlsplit(response["Location"]).query)["job"][0]

    @applies(_all(has_page("import"), imports))
    def test_page_import_anonymous(self, cast: Cast) -> None:
        rows = self.import_rows(cast, getattr(cast, self.owner))
        client = Client()
        assert_sign_in_redirect(client.get(self.url("import")))
        assert_sign_in_redirect(self.page_upload(client, rows))
        assert self.find(rows[0]) is None

    @applies(_all(has_page("import"), imports))
    def test_page_import_check_then_confirm(
        self, cast: Cast, client_for: Any, settings: Any, tmp_path: Any
    ) -> None:
        settings.MEDIA_ROOT = str(tmp_path)
        user = self.user(cast, self.permitted)
        client = client_for(user)
        assert client.get(self.url("import")).status_code == 200
        rows = self.import_rows(cast, getattr(cast, self.owner))
        response = self.page_upload(client, rows)
        job = self.job_of(response)
        report = client.get(response["Location"])
        assert report.status_code == 200
        text = content_of(report)
        assert f"{len(rows)} rows ready to import" in text
        assert "Confirm import" in text
        assert all(self.find(row) is None for row in rows), "a check must change nothing"
        response = client.post(self.url("import"), {"action": "confirm", "job": job})
        assert response.status_code == 302
        assert "Import complete" in content_of(client.get(response["Location"]))
        for row in rows:
            created = self.find(row)
            assert created is not None, row
            self.assert_changed_by(created.pk, "create", user)

    @applies(_all(has_page("import"), imports))
    def test_page_import_bad_row_lists_it_and_lands_nothing(
        self, cast: Cast, client_for: Any, settings: Any, tmp_path: Any
    ) -> None:
        settings.MEDIA_ROOT = str(tmp_path)
        client = client_for(self.user(cast, self.permitted))
        owner = getattr(cast, self.owner)
        rows = self.import_rows(cast, owner)
        bad, column = self.bad_import_row(cast, owner)
        response = self.page_upload(client, [*rows, bad])
        job = self.job_of(response)
        text = content_of(client.get(response["Location"]))
        # Row 1 is the header: the bad row is the spreadsheet's row len(rows) + 2.
        assert f">{len(rows) + 2}</td>" in text
        assert f">{column}</td>" in text
        assert "Confirm import" not in text
        client.post(self.url("import"), {"action": "confirm", "job": job})
        assert all(self.find(row) is None for row in rows)

    @applies(_all(has_page("import"), imports, has_denied))
    def test_page_import_denied_403(self, cast: Cast, client_for: Any) -> None:
        rows = self.import_rows(cast, getattr(cast, self.owner))
        for name in self.denied:
            user = self.user(cast, name)
            if self.can(user, "import"):
                continue  # may import (for their own councils): the rows' checks decide
            client = client_for(user)
            assert client.get(self.url("import")).status_code == 403, name
            assert self.page_upload(client, rows).status_code == 403, name
        assert all(self.find(row) is None for row in rows)

    @applies(_all(has_page("import"), imports, has_outsider))
    def test_page_import_outsider_refused(
        self, cast: Cast, client_for: Any, settings: Any, tmp_path: Any
    ) -> None:
        settings.MEDIA_ROOT = str(tmp_path)
        obj = self.given(self.sample, cast)
        rows = self.import_rows(cast, getattr(cast, self.owner))
        # The permitted person's check of the file is theirs alone.
        job = self.job_of(self.page_upload(client_for(self.user(cast, self.permitted)), rows))
        outsider = self.user(cast, self.outsider)
        client = client_for(outsider)
        url = self.url("import")
        if not self.can(outsider, "import"):
            assert client.get(url).status_code == 403
            assert self.page_upload(client, rows).status_code == 403
        else:
            assert client.get(url, {"job": job}).status_code == 404
            assert client.post(url, {"action": "confirm", "job": job}).status_code == 404
            response = self.page_upload(client, rows)
            own_job = self.job_of(response)
            text = content_of(client.get(response["Location"]))
            assert "Confirm import" not in text
            self.assert_secret_absent(cast, obj, text, "import report")
            client.post(url, {"action": "confirm", "job": own_job})
        assert all(self.find(row) is None for row in rows)

    # API: list -------------------------------------------------------------------------------

    @applies(has_api("list"))
    def test_api_list_anonymous_401(self, cast: Cast) -> None:
        self.given(self.sample, cast)
        response = Client().get(self.api_url("list"))
        assert response.status_code == 401
        assert response.json()["status"] == 401

    @applies(has_api("list"))
    def test_api_list_shows_the_record(self, cast: Cast, api_client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        for name in (self.permitted, *self.denied):
            response = api_client_for(self.user(cast, name)).get(self.api_url("list"))
            assert response.status_code == 200, name
            assert obj.pk in {row["id"] for row in results_of(response)}, name

    @applies(has_api("list"))
    def test_api_list_search(self, cast: Cast, api_client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        other = self.given(self.make, cast, getattr(cast, self.owner))
        client = api_client_for(self.user(cast, self.permitted))
        response = client.get(self.api_url("list"), {"q": self.search_term(obj)})
        assert response.status_code == 200
        ids = {row["id"] for row in results_of(response)}
        assert obj.pk in ids and other.pk not in ids

    @applies(_all(has_api("list"), has_outsider))
    def test_api_list_outsider(self, cast: Cast, api_client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        client = api_client_for(self.user(cast, self.outsider))
        for params in ({}, {"q": self.search_term(obj)}):
            response = client.get(self.api_url("list"), params)
            assert response.status_code == 200
            assert obj.pk not in {row["id"] for row in results_of(response)}
            text = content_of(response)
            self.assert_secret_absent(cast, obj, text, f"API list {params}", tuple(params.values()))

    @applies(_all(has_api("list"), has_outsider, owned_by_one))
    def test_api_list_filter_by_other_council(self, cast: Cast, api_client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        if not self.filters_by_owner():
            pytest.skip(f"{self.model.__name__}'s list has no council filter")
        owner = getattr(cast, self.owner)
        client = api_client_for(self.user(cast, self.outsider))
        response = client.get(self.api_url("list"), {"partner": owner.pk})
        assert response.status_code in (200, 400)
        if response.status_code == 200:
            assert results_of(response) == []
        self.assert_secret_absent(cast, obj, content_of(response), "API list filtered by owner")

    @applies(has_api("list"))
    def test_api_list_queries(
        self, cast: Cast, api_client_for: Any, django_assert_num_queries: Any
    ) -> None:
        client = api_client_for(self.user(cast, self.permitted))
        response = self.assert_list_queries(
            cast,
            lambda: client.get(self.api_url("list")),
            django_assert_num_queries,
            self.api_list_queries,
        )
        assert len(results_of(response)) >= 2 * self.list_rows

    @applies(has_api("list"))
    def test_api_list_bad_cursor_400(self, cast: Cast, api_client_for: Any) -> None:
        client = api_client_for(self.user(cast, self.permitted))
        response = client.get(self.api_url("list"), {"cursor": "not-a-cursor"})
        assert response.status_code in (400, 404)
        assert response.json()["errors"]

    # API: retrieve ---------------------------------------------------------------------------

    @applies(has_api("retrieve"))
    def test_api_retrieve_anonymous_401(self, cast: Cast) -> None:
        obj = self.given(self.sample, cast)
        assert Client().get(self.api_url("detail", obj)).status_code == 401

    @applies(has_api("retrieve"))
    def test_api_retrieve_visible(self, cast: Cast, api_client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        for name in (self.permitted, *self.denied):
            response = api_client_for(self.user(cast, name)).get(self.api_url("detail", obj))
            assert response.status_code == 200, name
            assert response.json()["id"] == obj.pk
            assert response.has_header("ETag")

    @applies(_all(has_api("retrieve"), has_outsider))
    def test_api_outsider_404_everywhere(self, cast: Cast, api_client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        before = self.snapshot(obj)
        client = api_client_for(self.user(cast, self.outsider))
        url = self.api_url("detail", obj)
        assert client.get(url).status_code == 404
        if "update" in self.api_actions:
            data = self.api_update_data(cast, obj)
            assert client.put(url, data, format="json").status_code == 404
        if "partial_update" in self.api_actions:
            patch = {self.edited_field: self.api_update_data(cast, obj)[self.edited_field]}
            assert client.patch(url, patch, format="json").status_code == 404
        if "destroy" in self.api_actions:
            assert client.delete(url).status_code == 404
        assert self.snapshot(obj) == before

    # API: create -----------------------------------------------------------------------------

    @applies(has_api("create"))
    def test_api_create_anonymous_401(self, cast: Cast) -> None:
        data = self.api_create_data(cast, getattr(cast, self.owner))
        response = Client().post(self.api_url("list"), data, content_type="application/json")
        assert response.status_code == 401
        assert self.find(data) is None

    @applies(has_api("create"))
    def test_api_create_permitted(self, cast: Cast, api_client_for: Any) -> None:
        user = self.user(cast, self.permitted)
        data = self.api_create_data(cast, getattr(cast, self.owner))
        response = api_client_for(user).post(self.api_url("list"), data, format="json")
        assert response.status_code == 201, response.content
        created = self.find(data)
        assert created is not None and response.json()["id"] == created.pk
        self.assert_changed_by(created.pk, "create", user)

    @applies(has_api("create"))
    def test_api_create_invalid_400(self, cast: Cast, api_client_for: Any) -> None:
        client = api_client_for(self.user(cast, self.permitted))
        response = client.post(self.api_url("list"), {}, format="json")
        assert response.status_code == 400
        body = response.json()
        assert body["status"] == 400 and body["errors"]
        assert all({"field", "code", "message"} <= set(e) for e in body["errors"])

    @applies(_all(has_api("create"), has_denied))
    def test_api_create_denied_403(self, cast: Cast, api_client_for: Any) -> None:
        data = self.api_create_data(cast, getattr(cast, self.owner))
        for name in self.denied:
            response = api_client_for(self.user(cast, name)).post(
                self.api_url("list"), data, format="json"
            )
            assert response.status_code == 403, name
        assert self.find(data) is None

    @applies(_all(has_api("create"), has_outsider))
    def test_api_create_outsider_refused(self, cast: Cast, api_client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        data = self.api_create_data(cast, getattr(cast, self.owner))
        response = api_client_for(self.user(cast, self.outsider)).post(
            self.api_url("list"), data, format="json"
        )
        assert response.status_code in (400, 403, 404)
        assert self.find(data) is None
        self.assert_secret_absent(cast, obj, content_of(response), "API create error")

    # API: update -----------------------------------------------------------------------------

    @applies(has_api("update"))
    def test_api_update_permitted(self, cast: Cast, api_client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        user = self.user(cast, self.permitted)
        client = api_client_for(user)
        url = self.api_url("detail", obj)
        etag = client.get(url)["ETag"]
        data = self.api_update_data(cast, obj)
        response = client.put(url, data, format="json", HTTP_IF_MATCH=etag)
        assert response.status_code == 200, response.content
        assert response["ETag"] != etag
        self.assert_updated(obj, data, user)

    @applies(has_api("update"))
    def test_api_update_stale_412(self, cast: Cast, api_client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        client = api_client_for(self.user(cast, self.permitted))
        url = self.api_url("detail", obj)
        etag = client.get(url)["ETag"]
        with system_scope("someone else edits first"):
            fresh = self.refetch(obj)
            fresh.save()
        before = self.snapshot(obj)
        response = client.put(
            url, self.api_update_data(cast, obj), format="json", HTTP_IF_MATCH=etag
        )
        assert response.status_code == 412
        assert self.snapshot(obj) == before

    @applies(has_api("partial_update"))
    def test_api_patch_permitted(self, cast: Cast, api_client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        user = self.user(cast, self.permitted)
        value = self.api_update_data(cast, obj)[self.edited_field]
        response = api_client_for(user).patch(
            self.api_url("detail", obj), {self.edited_field: value}, format="json"
        )
        assert response.status_code == 200, response.content
        self.assert_updated(obj, {self.edited_field: value}, user)

    @applies(_all(has_api("update"), has_denied))
    def test_api_update_denied_403(self, cast: Cast, api_client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        before = self.snapshot(obj)
        data = self.api_update_data(cast, obj)
        for name in self.denied:
            client = api_client_for(self.user(cast, name))
            url = self.api_url("detail", obj)
            assert client.put(url, data, format="json").status_code == 403, name
            patch = {self.edited_field: data[self.edited_field]}
            assert client.patch(url, patch, format="json").status_code == 403, name
        assert self.snapshot(obj) == before

    @applies(has_api("update"))
    def test_api_update_anonymous_401(self, cast: Cast) -> None:
        obj = self.given(self.sample, cast)
        before = self.snapshot(obj)
        response = Client().put(
            self.api_url("detail", obj),
            self.api_update_data(cast, obj),
            content_type="application/json",
        )
        assert response.status_code == 401
        assert self.snapshot(obj) == before

    # API: destroy ----------------------------------------------------------------------------

    @applies(has_api("destroy"))
    def test_api_destroy_permitted(self, cast: Cast, api_client_for: Any) -> None:
        obj = self.given(self.disposable, cast)
        user = self.user(cast, self.permitted)
        response = api_client_for(user).delete(self.api_url("detail", obj))
        if not self.deletable:
            assert response.status_code == 409, response.content
            assert response.json()["errors"][0]["message"]
            assert self.refetch(obj) is not None
            return
        assert response.status_code == 204, response.content
        assert self.refetch(obj) is None
        self.assert_changed_by(obj.pk, "delete", user)

    @applies(_all(has_api("destroy"), has_denied))
    def test_api_destroy_denied_403(self, cast: Cast, api_client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        for name in self.denied:
            response = api_client_for(self.user(cast, name)).delete(self.api_url("detail", obj))
            assert response.status_code == 403, name
        assert Client().delete(self.api_url("detail", obj)).status_code == 401
        assert self.refetch(obj) is not None

    # API: change log -------------------------------------------------------------------------

    @applies(has_api("retrieve"))
    def test_api_change_log_scoped(self, cast: Cast, api_client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        ct = ContentType.objects.get_for_model(self.model)
        params = {"content_type": f"{ct.app_label}.{ct.model}", "object_id": obj.pk}
        permitted = self.user(cast, self.permitted)
        response = api_client_for(permitted).get(reverse("api:change-list"), params)
        assert response.status_code == 200
        assert any(row["object_id"] == obj.pk for row in results_of(response))
        for name in self.denied:
            user = self.user(cast, name)
            response = api_client_for(user).get(reverse("api:change-list"), params)
            if not self.can(user, "history", obj) or self.model.ownership == "catalogue":
                continue
            assert response.status_code == 200, name
            seen = any(row["object_id"] == obj.pk for row in results_of(response))
            assert seen, f"{name} may see this record's history but the change log hides it"
        if self.outsider:
            response = api_client_for(self.user(cast, self.outsider)).get(
                reverse("api:change-list"), params
            )
            assert response.status_code == 200
            assert not any(row["object_id"] == obj.pk for row in results_of(response))

    # API: import -----------------------------------------------------------------------------

    def api_import(self, client: Any, rows: list[dict[str, Any]], dry_run: bool) -> Any:
        return client.post(
            self.api_url("import"),
            {"file": csv_file(rows), "dry_run": "true" if dry_run else "false"},
            format="multipart",
        )

    @applies(_all(has_api("import"), imports))
    def test_api_import_anonymous_401(self, cast: Cast) -> None:
        rows = self.import_rows(cast, getattr(cast, self.owner))
        response = Client().post(
            self.api_url("import"), {"file": csv_file(rows), "dry_run": "false"}
        )
        assert response.status_code == 401
        assert self.find(rows[0]) is None

    @applies(_all(has_api("import"), imports))
    def test_api_import_dry_run_then_commit(self, cast: Cast, api_client_for: Any) -> None:
        user = self.user(cast, self.permitted)
        client = api_client_for(user)
        rows = self.import_rows(cast, getattr(cast, self.owner))
        response = self.api_import(client, rows, dry_run=True)
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["dry_run"] is True and body["created"] == len(rows) and body["errors"] == []
        assert all(self.find(row) is None for row in rows)
        response = self.api_import(client, rows, dry_run=False)
        assert response.status_code == 200, response.content
        assert response.json()["created"] == len(rows)
        for row in rows:
            created = self.find(row)
            assert created is not None, row
            self.assert_changed_by(created.pk, "create", user)

    @applies(_all(has_api("import"), imports))
    def test_api_import_xlsx(self, cast: Cast, api_client_for: Any) -> None:
        user = self.user(cast, self.permitted)
        rows = self.import_rows(cast, getattr(cast, self.owner))
        response = api_client_for(user).post(
            self.api_url("import"),
            {"file": xlsx_file(rows), "dry_run": "false"},
            format="multipart",
        )
        assert response.status_code == 200, response.content
        assert response.json()["created"] == len(rows)
        assert all(self.find(row) is not None for row in rows)

    @applies(_all(has_api("import"), imports))
    def test_api_import_bad_row_lands_nothing(self, cast: Cast, api_client_for: Any) -> None:
        client = api_client_for(self.user(cast, self.permitted))
        owner = getattr(cast, self.owner)
        rows = self.import_rows(cast, owner)
        bad, column = self.bad_import_row(cast, owner)
        for dry_run in (True, False):
            response = self.api_import(client, [*rows, bad], dry_run=dry_run)
            assert response.status_code == 400, response.content
            errors = response.json()["errors"]
            # Row 1 is the header: the bad row is the spreadsheet's row len(rows) + 2.
            assert {"row": len(rows) + 2, "field": column} in [
                {"row": e["row"], "field": e["field"]} for e in errors
            ], errors
            assert all(e["message"] for e in errors)
        assert all(self.find(row) is None for row in rows)

    @applies(_all(has_api("import"), imports, has_denied))
    def test_api_import_denied_403(self, cast: Cast, api_client_for: Any) -> None:
        rows = self.import_rows(cast, getattr(cast, self.owner))
        for name in self.denied:
            user = self.user(cast, name)
            response = self.api_import(api_client_for(user), rows, dry_run=False)
            if self.can(user, "import"):
                assert response.status_code == 400, name  # may import, but not for this owner
            else:
                assert response.status_code == 403, name
        assert all(self.find(row) is None for row in rows)

    @applies(_all(has_api("import"), imports, has_outsider))
    def test_api_import_outsider_refused(self, cast: Cast, api_client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        outsider = self.user(cast, self.outsider)
        rows = self.import_rows(cast, getattr(cast, self.owner))
        response = self.api_import(api_client_for(outsider), rows, dry_run=False)
        assert response.status_code == (400 if self.can(outsider, "import") else 403)
        assert all(self.find(row) is None for row in rows)
        self.assert_secret_absent(cast, obj, content_of(response), "import errors")

    # API: export -----------------------------------------------------------------------------

    def api_export(self, client: Any, fmt: str = "csv", **params: Any) -> Any:
        return client.get(self.api_url("export"), {"format": fmt, **params})

    @staticmethod
    def exported(response: Any, fmt: str) -> list[dict[str, Any]]:
        """The rows of an API export: it streams, and parses as the format it claims."""
        assert response.status_code == 200, content_of(response)[:2000]
        assert response.streaming, "an export must stream, not be built in memory"
        assert response["Content-Disposition"].startswith("attachment;")
        if fmt == "csv":
            assert response["Content-Type"].startswith("text/csv")
            return csv_rows(response)
        assert "spreadsheetml" in response["Content-Type"]
        return xlsx_rows(response)

    def exportable_ids(self, user: Any) -> set[str]:
        """Ids of every record `user` may export, by the one visibility rule."""
        rows = self.model.objects.visible_to(user, "export").values_list("pk", flat=True)
        return {str(pk) for pk in rows}

    def api_filterset_class(self) -> Any:
        """The filter set of the model's API list (which its export shares)."""
        from django.urls import resolve

        return resolve(self.api_url("list")).func.cls.filterset_class  # type: ignore[attr-defined]

    def foreign_record(self, cast: Cast) -> Any:
        """A record of the outsider's own council (None without an outsider)."""
        if not self.outsider:
            return None
        return self.given(self.make, cast, cast.partner_of(self.user(cast, self.outsider)))

    @applies(has_api("export"))
    def test_api_export_anonymous_401(self, cast: Cast) -> None:
        self.given(self.sample, cast)
        for fmt in ("csv", "xlsx"):
            response = Client().get(self.api_url("export"), {"format": fmt})
            assert response.status_code == 401, fmt
            assert response.json()["status"] == 401

    @applies(has_api("export"))
    def test_api_export_csv(self, cast: Cast, api_client_for: Any) -> None:
        """Exactly the rows the person may export (never another council's), with the page
        export's columns; filtered as the list; its queries do not grow with its rows."""
        from django.test.utils import CaptureQueriesContext

        obj = self.given(self.sample, cast)
        owner = getattr(cast, self.owner)
        other = self.given(self.make, cast, owner)
        foreign = self.foreign_record(cast)
        user = self.user(cast, self.permitted)
        client = api_client_for(user)
        rows = self.exported(self.api_export(client), "csv")
        assert list(rows[0]) == self.model.export_fields()
        ids = {row["id"] for row in rows}
        assert ids == self.exportable_ids(user)
        assert {str(obj.pk), str(other.pk)} <= ids
        if foreign is not None and not self.can(user, "view", foreign):
            assert str(foreign.pk) not in ids
        # The list's search is the export's: one record.
        found = self.exported(self.api_export(client, q=self.search_term(obj)), "csv")
        assert [row["id"] for row in found] == [str(obj.pk)]
        with CaptureQueriesContext(connection) as few:
            self.exported(self.api_export(client), "csv")
        for _ in range(3):
            self.given(self.make, cast, owner)
        with CaptureQueriesContext(connection) as more:
            assert len(self.exported(self.api_export(client), "csv")) == len(rows) + 3
        assert len(more) == len(few), "the export's queries grow with its rows"

    @applies(_all(has_api("export"), has_page("export")))
    def test_api_export_is_the_page_export(self, cast: Cast, client_for: Any) -> None:
        """The API's file and the list page's file of the same rows are the same rows."""
        self.given(self.sample, cast)
        self.given(self.make, cast, getattr(cast, self.owner))
        client = client_for(self.user(cast, self.permitted))  # the API takes the session too
        for fmt in ("csv", "xlsx"):
            from_api = self.exported(self.api_export(client, fmt), fmt)
            from_page = client.get(self.url("export"), {"format": fmt})
            assert from_page.status_code == 200
            page_rows = csv_rows(from_page) if fmt == "csv" else xlsx_rows(from_page)
            assert from_api == page_rows, fmt

    @applies(has_api("export"))
    def test_api_export_xlsx(self, cast: Cast, client_for: Any) -> None:
        obj = self.given(self.sample, cast)
        user = self.user(cast, self.permitted)
        client = client_for(user)  # signed in as a browser is: session, not token
        rows = self.exported(self.api_export(client, "xlsx"), "xlsx")
        assert list(rows[0]) == self.model.export_fields()
        assert {str(row["id"]) for row in rows} == self.exportable_ids(user)
        found = self.exported(self.api_export(client, "xlsx", q=self.search_term(obj)), "xlsx")
        assert [str(row["id"]) for row in found] == [str(obj.pk)]

    @applies(has_api("export"))
    def test_api_export_without_permission_403(self, cast: Cast, api_client_for: Any) -> None:
        """A person without the export grant gets a 403 (and no file); one with it, their rows.
        A council requester is checked too: no role of theirs grants export anywhere."""
        obj = self.given(self.sample, cast)
        refused = 0
        for name in dict.fromkeys((*self.denied, "wcc_staff")):
            user = self.user(cast, name)
            response = self.api_export(api_client_for(user))
            if self.can(user, "export"):
                ids = {row["id"] for row in self.exported(response, "csv")}
                assert ids == self.exportable_ids(user), name
                if self.can(user, "export", obj):
                    assert str(obj.pk) in ids, name
                continue
            assert response.status_code == 403, name
            assert response.json()["errors"][0]["code"] == "permission_denied", name
            refused += 1
        assert refused, "no one declared is refused the export: declare a denied person"

    @applies(_all(has_api("export"), has_outsider))
    def test_api_export_outsider(self, cast: Cast, api_client_for: Any) -> None:
        """Another council's person: never a row, a name or a search hit of the first
        council's records; naming the first council in a filter is refused, not answered."""
        obj = self.given(self.sample, cast)
        outsider = self.user(cast, self.outsider)
        theirs = self.foreign_record(cast)
        client = api_client_for(outsider)
        for fmt in ("csv", "xlsx"):
            response = self.api_export(client, fmt)
            if not self.can(outsider, "export"):
                assert response.status_code == 403, fmt
                continue
            rows = self.exported(response, fmt)
            ids = {str(row["id"]) for row in rows}
            assert str(obj.pk) not in ids, fmt
            assert ids == self.exportable_ids(outsider), fmt
            if self.can(outsider, "export", theirs):
                assert str(theirs.pk) in ids, fmt
            flat = " ".join(str(v) for row in rows for v in row.values())
            self.assert_secret_absent(cast, obj, flat, f"API {fmt} export")
            term = self.search_term(obj)
            searched = self.exported(self.api_export(client, fmt, q=term), fmt)
            assert str(obj.pk) not in {str(row["id"]) for row in searched}, fmt
        if (
            self.can(outsider, "export")
            and owned_by_one(type(self))
            and "partner" in self.api_filterset_class().base_filters
        ):
            owner = getattr(cast, self.owner)
            response = self.api_export(client, partner=owner.pk)
            assert response.status_code == 400
            assert response.json()["errors"][0]["field"] == "partner"
            self.assert_secret_absent(cast, obj, content_of(response), "API export filter")

    @applies(has_api("export"))
    def test_api_export_bad_format_400(self, cast: Cast, api_client_for: Any) -> None:
        client = api_client_for(self.user(cast, self.permitted))
        for fmt in ("exe", "json", ""):
            response = self.api_export(client, fmt or " ")
            assert response.status_code == 400, fmt
            body = response.json()
            assert body["status"] == 400
            assert [e["field"] for e in body["errors"]] == ["format"], fmt
        response = client.get(self.api_url("export"), {"ordering": "-no_such_field"})
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "ordering"

    @applies(_all(has_api("export"), has_text_column))
    def test_api_export_guards_formulas(self, cast: Cast, api_client_for: Any) -> None:
        """Text a spreadsheet would run as a formula is written with an apostrophe first."""
        obj = self.given(self.sample, cast)
        field = formula_field(self.model)
        assert field is not None
        # Short enough for any text column (a code of a few characters, on PostgreSQL too).
        formula = "=1+2"
        # Written straight into the row: a formula need not pass the model's own validation.
        unscoped(self.model).unlogged("test: a formula the form would refuse").filter(
            pk=obj.pk
        ).update(**{field: formula})
        client = api_client_for(self.user(cast, self.permitted))
        for fmt in ("csv", "xlsx"):
            rows = self.exported(self.api_export(client, fmt), fmt)
            [row] = [row for row in rows if str(row["id"]) == str(obj.pk)]
            assert row[field] == "'" + formula, fmt

    # Attachments (core.Attachment): seen and changed exactly as the record ----------------

    def attachment_file(self, name: str = "Family notes.pdf") -> Any:
        """A small real file to attach."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        return SimpleUploadedFile(name, b"%PDF-1.4 family test\n" * 50, content_type="text/html")

    def attachment_upload_url(self, obj: Any) -> str:
        meta = obj._meta
        return reverse("core:attachment_upload", args=[meta.app_label, meta.model_name, obj.pk])

    def attach(self, obj: Any) -> Any:
        """An attachment of `obj`, as the system would add it."""
        from core.attachments import attach_file

        return self.given(attach_file, obj, self.attachment_file(), None)

    @pytest.fixture
    def attachment_storage(self, settings: Any, tmp_path: Any) -> Any:
        """Uploaded files go to a temporary folder."""
        settings.MEDIA_ROOT = str(tmp_path / "media")
        return tmp_path / "media"

    @applies(_all(has_page("detail"), lambda cls: cls.model.attachable))
    def test_attachments_page_permitted(
        self, cast: Cast, client_for: Any, attachment_storage: Any
    ) -> None:
        from core.models import Attachment

        obj = self.given(self.sample, cast)
        user = self.user(cast, self.permitted)
        client = client_for(user)
        response = client.post(self.attachment_upload_url(obj), {"file": self.attachment_file()})
        assert response.status_code == 302, content_of(response)[:2000]
        attachment = unscoped(Attachment).get()
        assert attachment.record == obj
        assert change_records(Attachment, attachment.pk, "create").filter(actor=user).exists()
        page = content_of(client.get(self.url("detail", obj)))
        download = reverse("core:attachment_download", args=[attachment.pk])
        assert download in page and "Family notes.pdf" in page
        response = client.get(download)
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;")
        assert (
            client.post(reverse("core:attachment_delete", args=[attachment.pk])).status_code == 302
        )
        assert not unscoped(Attachment).exists()
        assert change_records(Attachment, attachment.pk, "delete").filter(actor=user).exists()

    @applies(_all(has_page("detail"), has_denied, lambda cls: cls.model.attachable))
    def test_attachments_denied_403(
        self, cast: Cast, client_for: Any, attachment_storage: Any
    ) -> None:
        obj = self.given(self.sample, cast)
        attachment = self.attach(obj)
        for name in self.denied:
            client = client_for(self.user(cast, name))
            assert client.get(attachment.get_absolute_url()).status_code == 200, name
            response = client.post(
                self.attachment_upload_url(obj), {"file": self.attachment_file()}
            )
            assert response.status_code == 403, name
            delete = reverse("core:attachment_delete", args=[attachment.pk])
            assert client.post(delete).status_code == 403, name
        assert self.refetch(obj) is not None

    @applies(_all(has_page("detail"), has_outsider, lambda cls: cls.model.attachable))
    def test_attachments_outsider_404(
        self, cast: Cast, client_for: Any, api_client_for: Any, attachment_storage: Any
    ) -> None:
        from core.attachments import record_ref

        obj = self.given(self.sample, cast)
        attachment = self.attach(obj)
        outsider = self.user(cast, self.outsider)
        client = client_for(outsider)
        assert client.get(attachment.get_absolute_url()).status_code == 404
        delete = reverse("core:attachment_delete", args=[attachment.pk])
        assert client.post(delete).status_code == 404
        upload = client.post(self.attachment_upload_url(obj), {"file": self.attachment_file()})
        assert upload.status_code == 404
        api = api_client_for(outsider)
        assert api.get(f"/api/v1/attachments/{attachment.pk}/").status_code == 404
        assert api.delete(f"/api/v1/attachments/{attachment.pk}/").status_code == 404
        assert attachment.pk not in {r["id"] for r in results_of(api.get("/api/v1/attachments/"))}
        response = api.post(
            "/api/v1/attachments/",
            {"record": record_ref(obj), "file": self.attachment_file()},
            format="multipart",
        )
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "record"
        self.assert_secret_absent(cast, obj, content_of(response), "attachment refusal")

    @applies(_all(has_page("detail"), lambda cls: cls.model.attachable))
    def test_attachments_api_permitted(
        self, cast: Cast, api_client_for: Any, attachment_storage: Any
    ) -> None:
        from core.attachments import record_ref
        from core.models import Attachment

        obj = self.given(self.sample, cast)
        user = self.user(cast, self.permitted)
        client = api_client_for(user)
        response = client.post(
            "/api/v1/attachments/",
            {"record": record_ref(obj), "file": self.attachment_file()},
            format="multipart",
        )
        assert response.status_code == 201, response.content
        created = response.json()
        listed = client.get("/api/v1/attachments/", {"record": record_ref(obj)})
        assert [r["id"] for r in results_of(listed)] == [created["id"]]
        assert client.get(created["download_url"]).status_code == 200
        assert client.delete(f"/api/v1/attachments/{created['id']}/").status_code == 204
        assert not unscoped(Attachment).exists()
        for action in ("create", "delete"):
            assert change_records(Attachment, created["id"], action).filter(actor=user).exists()
