"""The base every family is built on: what a family declares, and what all its tests share.

- The declarations and their defaults (`FamilyBase`; `ModelFamily`'s docstring lists them) and
  the hooks a family overrides (``make``, ``create_data``, ...).
- The cast's roles as the tests use them: who is permitted, denied, an outsider, shared-service
  staff (`SERVICE_CAST`), and what the grant table says each may do (``can``).
- `applies` and the conditions it takes (`has_page`, `has_api`, `has_outsider`, ...): a test
  that does not apply to a family is not collected for it (``__init_subclass__``).
- Helpers every concern uses: reading responses (`content_of`, `results_of`, `csv_rows`,
  `xlsx_rows`), change records, URLs, snapshots, the check that nothing secret leaks, and the
  pinned query count check of lists (its pins are checked and rewritten by pins).
- The tests every family gets whatever it offers: its declarations match the grant table, and
  its model refuses unscoped queries.

The tests of each concern are mixins in the sibling modules (pages, api, export_import,
attachments); `core.testing.families.ModelFamily` puts them together.
"""

from __future__ import annotations

import csv
import io
import itertools
import types
from collections.abc import Callable, Iterator
from typing import Any, ClassVar, TypeVar

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.db.models import CharField, Model, TextField
from django.urls import reverse

from core.models import ChangeRecord
from core.tenancy.records import ConcordModel
from core.tenancy.scoping import ScopeError, system_scope
from core.testing.cast import Cast
from core.testing.families.pins import check_pin
from core.testing.families.registry import register

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


def all_of(*conditions: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda cls: all(c(cls) for c in conditions)


def has_outsider(cls: Any) -> bool:
    return cls.outsider is not None


def has_denied(cls: Any) -> bool:
    return bool(cls.denied)


#: The cast's shared-service staff: they see every council, so nothing is out of their reach.
SERVICE_CAST = frozenset({"agent", "finance", "manager"})


def owned_by_one(cls: Any) -> bool:
    return bool(cls.model.ownership == "partner")


def movable(cls: Any) -> bool:
    """Its edit (page and API) may give the record to another council."""
    return bool(cls.movable)


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


#: What the text-rule tests write into a record's text: a right-to-left override between two
#: letters (short enough for any code column).
DISGUISED_TEXT = "A\u202eB"
#: What the export tests store past validation: a control character a workbook cannot hold.
CONTROL_TEXT = "A\x07B"


def typed_text_field(model: Any, data: dict[str, Any]) -> str | None:
    """The first field of `data` (a form's or the API's payload) that is one of `model`'s own
    text fields a person types (no choices): where the text-rule tests put a bad character."""
    own = {f.name: f for f in model._meta.concrete_fields}
    for name in data:
        field = own.get(name)
        if isinstance(field, CharField | TextField) and not field.choices and field.editable:
            return str(name)
    return None


# Reading what a response holds, and what was recorded ----------------------------------------


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


class FamilyBase:
    """The declarations of a family (listed in `ModelFamily`'s docstring) with their defaults,
    the hooks a family overrides, the helpers every concern's tests use, and the tests every
    family gets. Each concern's tests are a mixin subclassing this class."""

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
    #: For a model with own records (``own_fields``): the cast person whose own record the
    #: sample is (``make`` must make it theirs), and a person of the same council with the
    #: same grants on their own records only, to whom it does not exist.
    own_person: ClassVar[str | None] = None
    colleague: ClassVar[str | None] = None
    #: False when a record never changes council once made (a ticket): the tests that edit
    #: one into another council's hands do not apply.
    movable: ClassVar[bool] = True

    _counter: Iterator[int]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not getattr(cls, "model", None):
            return
        # Known to the check that every Concord model has a family (declared_families).
        register(cls)
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
            "(see core.testing.families.ModelFamily and docs/adding-a-model.md)"
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

        access = access_for(user)
        if obj is None:
            return access.can(action, self.model.area, own=bool(self.model.own_fields))
        own = obj.is_own_record(user)
        return access.can(action, self.model.area, obj.owning_partner_ids(), own=own)

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
        self, cast: Cast, fetch: Callable[[], Any], config: pytest.Config, pin: str
    ) -> Any:
        """`fetch` (a list) costs the family's pinned number of queries (`pin`:
        ``list_queries`` or ``api_list_queries``) with some rows, and as many with twice as
        many rows: a query per row (an N+1) fails. With ``--repin-queries`` (``make
        pin-queries``) a steady count that is not the pin rewrites the pin (pins.py)."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        owner = getattr(cast, self.owner)
        for _ in range(self.list_rows):
            self.given(self.make, cast, owner)
        fetch()  # warm what a running server has warm (content types)
        with CaptureQueriesContext(connection) as first:
            assert fetch().status_code == 200
        for _ in range(self.list_rows):
            self.given(self.make, cast, owner)
        with CaptureQueriesContext(connection) as second:
            response = fetch()
        assert response.status_code == 200
        check_pin(
            type(self),
            pin,
            [query["sql"] for query in first.captured_queries],
            [query["sql"] for query in second.captured_queries],
            self.list_rows,
            config,
        )
        return response

    # Helpers the pages and the API share ----------------------------------------------------

    def filterset_class(self) -> Any:
        """The filter set the list page (and API) use for this model: the API endpoint's for
        a model with no list page (change approvals)."""
        from django.urls import resolve

        if "list" not in self.pages:
            return resolve(self.api_url("list")).func.cls.filterset_class  # type: ignore[attr-defined]
        match = resolve(self.url("list"))
        views = match.func.view_initkwargs["views"]  # type: ignore[attr-defined]
        return views.filterset_class

    def filters_by_owner(self) -> bool:
        return "partner" in self.filterset_class().base_filters

    # Odd requests (nothing a client sends is a server error) ---------------------------------

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

    @staticmethod
    def moved_to(data: dict[str, Any], partner: Any, api: bool) -> dict[str, Any]:
        """`data` with the record moved to `partner`."""
        assert "partner" in data, "the update data of a partner-owned record names its partner"
        return {**data, "partner": partner.code if api else partner.pk}

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
        if self.own_person:
            assert obj.is_own_record(self.user(cast, self.own_person)), "make() must make it theirs"
            assert self.can(self.user(cast, self.own_person), "view", obj)
        if self.colleague:
            assert not self.can(self.user(cast, self.colleague), "view", obj)

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
