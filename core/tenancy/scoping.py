"""The one visibility mechanism: closed by default.

Every Concord model's default manager returns a `ScopedQuerySet`. Such a queryset refuses to
touch the database (raising `ScopeError`) until a scope is declared on it:

- ``Model.objects.visible_to(user)``: what that person may see. Pages, API viewsets, form
  dropdowns, filter choices, search, exports, history and attachments all start here.
- ``Model.objects.owned_by(partner)``: the records a partner owns or co-owns (partner export).
- ``Model.objects.unscoped(reason)``: deliberate whole-table work by the system (migrations of
  data, benchmarks), with the reason stated where it is done.

or while a `system_scope(reason)` block is active (commands and jobs acting for the service).
The rule for who sees what lives in each model's `visibility_filter` (see core.models); nothing
else writes a visibility rule.

The scope travels on the SQL query itself (`ScopedQuery`), not only on the queryset, because
Django hands the bare query around: ``Exists(qs)``, ``Subquery(qs)``, ``filter(x__in=qs)`` and
``union()`` keep ``qs.query`` and drop the queryset. A `ScopedQuery` refuses to be compiled into
SQL without a scope, so every one of those paths is closed in the same place.

The same querysets also keep the change log whole: on a change-logged model (every domain
record, `ConcordModel`) ``update()``, ``bulk_create()`` and ``bulk_update()`` raise
`UnloggedWriteError`, because they write rows without the signals that record each change.
Save records one by one, or, for bookkeeping that is deliberately not logged, say so with
``.unlogged(reason)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Self

from django.db import connections, models, transaction
from django.db.models import sql
from django.dispatch import Signal

from core.tenancy.inserts import insert_new

if TYPE_CHECKING:
    from core.tenancy.models import Partner


class ScopeError(RuntimeError):
    """A query on a scoped model was made without declaring whose view it is."""


class UnloggedWriteError(RuntimeError):
    """A bulk write on a change-logged model would have changed rows without a change record."""


#: Sent before a stated unlogged bulk write (``.unlogged(reason)``: ``update()``,
#: ``bulk_update()``, ``bulk_create()``) of a change-logged model's rows, which no save or
#: delete signal sees, with ``queryset``, ``objs`` (None for ``update()``) and ``fields`` (None:
#: all). A receiver may return a callable, called with the objects written once the write is
#: done: how what is derived from the records (the search index, core.search) follows them.
unlogged_write = Signal()

#: Set while a bulk write tells `unlogged_write` itself (``bulk_update()`` runs ``update()``s).
_telling: ContextVar[bool] = ContextVar("concord_unlogged_write_told", default=False)


_system_reason: ContextVar[str | None] = ContextVar("concord_system_scope", default=None)


@contextmanager
def system_scope(reason: str) -> Iterator[None]:
    """Allow unscoped queries inside this block, for work the service does as itself."""
    if not reason:
        raise ValueError("system_scope needs a reason")
    token = _system_reason.set(reason)
    try:
        yield
    finally:
        _system_reason.reset(token)


def in_system_scope() -> bool:
    """True inside a `system_scope` block."""
    return _system_reason.get() is not None


def _require_scope(model: Any, scope: str | None) -> None:
    if scope is None and _system_reason.get() is None:
        raise ScopeError(
            f"{model._meta.label} was queried without a scope: start from "
            f"{model.__name__}.objects.visible_to(user), .owned_by(partner) "
            "or .unscoped(reason)"
        )


def is_change_logged(model: Any) -> bool:
    """Whether every write to `model`'s rows must leave a change record (domain records)."""
    return bool(getattr(model, "change_logged", False))


#: The scope a `ScopedQuery` made while this is set starts with (see `split_exclude`).
_inherited_scope: ContextVar[str | None] = ContextVar("concord_inherited_scope", default=None)


class ScopedQuery(sql.Query):
    """The SQL query of a `ScopedQuerySet`: it carries the scope and refuses to become SQL
    without one, however Django reaches it (the queryset's own evaluation, a count, a subquery
    inside ``Exists``/``Subquery``/``__in``, one part of a ``union``)."""

    concord_scope: str | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        inherited = _inherited_scope.get()
        if inherited is not None:
            self.concord_scope = inherited

    def split_exclude(self, filter_expr: Any, can_reuse: Any, names_with_path: Any) -> Any:
        """``exclude()`` across a to-many relation: Django builds a new query of this model
        for ``NOT EXISTS (... WHERE inner.id = outer.id)``. Tied to this query's own rows, it
        can only narrow what this query's scope allows, so it carries the same scope."""
        token = _inherited_scope.set(self.concord_scope)
        try:
            return super().split_exclude(filter_expr, can_reuse, names_with_path)
        finally:
            _inherited_scope.reset(token)

    def get_compiler(
        self, using: str | None = None, connection: Any = None, elide_empty: bool = True
    ) -> Any:
        _require_scope(self.model, self.concord_scope)
        return super().get_compiler(using, connection, elide_empty)


class ChangeLoggedWrites(models.QuerySet):
    """Refuses the bulk writes that would skip the change log of a change-logged model.

    ``update()``, ``bulk_create()`` and ``bulk_update()`` write rows without the save and
    delete signals the change log listens to, so on a domain record they would change data
    and leave no trace. ``delete()`` is not refused: Django loads the rows and sends the
    signals for each, so deletions are logged. Bookkeeping that is deliberately not logged
    states why with ``unlogged(reason)``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._unlogged_reason: str | None = None

    def _clone(self) -> Self:
        clone = super()._clone()  # type: ignore[misc]
        clone._unlogged_reason = self._unlogged_reason
        return clone

    def unlogged(self, reason: str) -> Self:
        """Allow ``update()``, ``bulk_create()`` and ``bulk_update()`` on this queryset, which
        write no change record: for bookkeeping that is deliberately not logged, or for work
        that writes its change records itself (``core.changelog.record_change``). `reason`
        says which, where it is done."""
        if not reason:
            raise ValueError("unlogged needs a reason")
        clone = self._chain()  # type: ignore[attr-defined]
        clone._unlogged_reason = reason
        return clone

    def _refuse_unlogged(self, operation: str) -> None:
        if self._unlogged_reason is None and is_change_logged(self.model):
            label = self.model._meta.label
            raise UnloggedWriteError(
                f"{label}.{operation}() would change rows without writing change records: "
                f"every change of a {label} must be logged. Save the records one by one "
                f"(obj.save(), obj.delete()), or, for bookkeeping that is deliberately not "
                f'logged, say why with .unlogged("reason").{operation}(...) '
                '(docs/tenancy.md, "Bulk writes cannot skip it").'
            )

    def _before_unlogged_write(self, objs: list[Any] | None, fields: Any) -> list[Any]:
        """Tell `unlogged_write` of a stated unlogged write; what to call once it is done."""
        if not is_change_logged(self.model) or _telling.get():
            return []
        answers = unlogged_write.send(
            sender=self.model,
            queryset=self,
            objs=objs,
            fields=None if fields is None else list(fields),
        )
        return [answer for _, answer in answers if callable(answer)]

    def update(self, **kwargs: Any) -> int:
        self._refuse_unlogged("update")
        then = self._before_unlogged_write(None, kwargs)
        done = super().update(**kwargs)
        for call in then:
            call(None)
        return done

    def bulk_create(self, objs: Iterable[Any], *args: Any, **kwargs: Any) -> list[Any]:
        self._refuse_unlogged("bulk_create")
        objs = list(objs)
        then = self._before_unlogged_write(objs, None)
        token = _telling.set(True)
        try:
            self._for_write = True
            if not args and not kwargs and insert_new(self.model, objs, self.db):
                created = objs  # in one statement compiled once (core.tenancy.inserts)
            else:
                created = super().bulk_create(objs, *args, **kwargs)
        finally:
            _telling.reset(token)
        for call in then:
            call(created)
        return created

    def bulk_update(self, objs: Iterable[Any], fields: Any, *args: Any, **kwargs: Any) -> int:
        self._refuse_unlogged("bulk_update")
        objs = list(objs)
        then = self._before_unlogged_write(objs, fields)
        token = _telling.set(True)
        try:
            done = self._write_by_key(objs, fields)
            if done is None:
                done = super().bulk_update(objs, fields, *args, **kwargs)
        finally:
            _telling.reset(token)
        for call in then:
            call(objs)
        return done

    #: Rows written at once by `_write_by_key` (one check of which are in the queryset each).
    WRITE_BATCH = 2000

    def _write_by_key(self, objs: list[Any], fields: Any) -> int | None:
        """``bulk_update`` as one ``UPDATE ... WHERE pk = %s`` per row, sent as a batch
        (``executemany``), for values that are plain values of the model's own table; None
        (for Django's CASE form) when one is an expression or a field of another table.

        Django writes a bulk update as one statement with a CASE per column, and building
        those expressions costs far more than the database's work (re-timing 50,000 tickets'
        SLAs spent nine tenths of its time there). The queryset's narrowing is kept: rows it
        does not hold are left alone, as Django's form leaves them."""
        meta = self.model._meta
        columns = [meta.get_field(name) for name in fields]
        if not objs or any(
            not field.concrete or field.primary_key or field.model._meta.concrete_model
            is not meta.concrete_model or field.many_to_many
            for field in columns
        ):  # fmt: skip
            return None if objs else 0
        values = [[getattr(obj, field.attname) for field in columns] for obj in objs]
        if any(hasattr(value, "resolve_expression") for row in values for value in row):
            return None
        connection = connections[self.db]
        quote = connection.ops.quote_name
        # Names from the model's own metadata, quoted; every value a parameter.
        statement = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608
            quote(meta.db_table),
            ", ".join(f"{quote(field.column)} = %s" for field in columns),
            quote(meta.pk.column),
        )
        done = 0
        with transaction.atomic(using=self.db, savepoint=False):
            for start in range(0, len(objs), self.WRITE_BATCH):
                end = start + self.WRITE_BATCH
                batch = list(zip(objs[start:end], values[start:end], strict=True))
                held = set(
                    self.filter(pk__in=[obj.pk for obj, _ in batch]).values_list("pk", flat=True)
                )
                rows = [
                    [
                        *(
                            field.get_db_prep_save(value, connection)
                            for field, value in zip(columns, row, strict=True)
                        ),
                        meta.pk.get_db_prep_value(obj.pk, connection),
                    ]
                    for obj, row in batch
                    if obj.pk in held
                ]
                if rows:
                    with connection.cursor() as cursor:
                        cursor.executemany(statement, rows)
                done += len(rows)
        return done


def visibility_condition(model: Any, user: Any, action: str = "view") -> Any:
    """The condition ``visible_to(user, action)`` filters `model` by, or None where it gives no
    rows (no one signed in, an inactive person, no access to the model): the one place that
    says so, for the queryset and for a record checked in Python (core.services)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    return model.visibility_filter(user, action)


class ScopedQuerySet(ChangeLoggedWrites):
    """A queryset that must be told whose view it is before it runs."""

    def __init__(
        self, model: Any = None, query: Any = None, using: str | None = None, hints: Any = None
    ) -> None:
        super().__init__(model=model, query=query or ScopedQuery(model), using=using, hints=hints)

    @property
    def _scope(self) -> str | None:
        return getattr(self._query, "concord_scope", None)  # type: ignore[attr-defined]

    @_scope.setter
    def _scope(self, scope: str | None) -> None:
        self._query.concord_scope = scope  # type: ignore[attr-defined]

    def _declared(self, scope: str | None) -> Self:
        clone = self._chain()  # type: ignore[attr-defined]
        clone._scope = scope
        return clone

    @property
    def scope(self) -> str | None:
        """How this queryset was scoped (``visible_to:<user>``, ``owned_by:<code>``...)."""
        return self._scope

    def _check_scope(self) -> None:
        _require_scope(self.model, self._scope)

    # Declaring a scope ------------------------------------------------------------------

    def visible_to(self, user: Any, action: str = "view") -> Self:
        """The records `user` may see (or, with `action`, may act on)."""
        qs = self._declared(f"visible_to:{getattr(user, 'pk', None)}")
        condition = visibility_condition(self.model, user, action)
        if condition is None:
            return qs.none()
        return qs.filter(condition)

    def owned_by(self, partner: Partner) -> Self:
        """The records `partner` owns or co-owns, whoever asks (partner export, offboarding)."""
        qs = self._declared(f"owned_by:{partner.pk}")
        condition = self.model.ownership_filter([partner.pk])
        if condition is None:
            return qs.none()
        return qs.filter(condition)

    def none(self) -> Self:
        """No rows: a scope of its own, since it can reveal nothing."""
        return super(ScopedQuerySet, self._declared("none")).none()

    def unscoped(self, reason: str) -> Self:
        """The whole table, for system work; `reason` says why, where it is done."""
        if not reason:
            raise ValueError("unscoped needs a reason")
        return self._declared(f"unscoped:{reason}")

    # Reaching the database ----------------------------------------------------------------
    # Whatever is turned into SQL is checked by `ScopedQuery`. These check earlier, where the
    # call is made, or cover what never compiles a `ScopedQuery`.

    def _fetch_all(self) -> None:
        if self._result_cache is None:
            self._check_scope()
        super()._fetch_all()

    def iterator(self, chunk_size: int | None = None) -> Iterator[Any]:
        self._check_scope()
        return super().iterator(chunk_size=chunk_size)

    def update(self, **kwargs: Any) -> int:
        self._check_scope()
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        self._check_scope()
        return super().delete()

    def raw(self, raw_query: Any, *args: Any, **kwargs: Any) -> Any:
        """Raw SQL reads whatever it says, whatever filter the queryset had: it is allowed only
        for deliberate whole-table work (``unscoped(reason)`` or a `system_scope`)."""
        if not (self._scope or "").startswith("unscoped:") and not in_system_scope():
            raise ScopeError(
                f"{self.model._meta.label}.raw() ignores every scope (its SQL reads what it "
                f"says): use {self.model.__name__}.objects.visible_to(user), or "
                ".unscoped(reason).raw(...) for deliberate whole-table work"
            )
        return super().raw(raw_query, *args, **kwargs)

    # Combining querysets -------------------------------------------------------------------
    # ``a | b`` (and ``&``, ``^``) keeps a's query and merges b's conditions into it, so b's
    # scope would be lost: the result is scoped only when both sides are.

    def _combined_scope(self, other: Any, operator: str) -> str | None:
        scopes = [self._scope]
        if isinstance(other, ScopedQuerySet):
            scopes.append(other._scope)
        if any(scope is None for scope in scopes):
            # Refused at once: when one side is sliced, Django rebuilds the result from the
            # model's base manager, which would carry no scope at all.
            _require_scope(self.model, None)
            return None
        return f" {operator} ".join(str(scope) for scope in scopes)

    def _combine_with(self, combined: Any, scope: str | None) -> Any:
        if isinstance(combined, ScopedQuerySet):
            combined._scope = scope
        return combined

    def __or__(self, other: Any) -> Any:
        scope = self._combined_scope(other, "|")
        return self._combine_with(super().__or__(other), scope)

    def __and__(self, other: Any) -> Any:
        scope = self._combined_scope(other, "&")
        return self._combine_with(super().__and__(other), scope)

    def __xor__(self, other: Any) -> Any:
        scope = self._combined_scope(other, "^")
        return self._combine_with(super().__xor__(other), scope)  # type: ignore[misc]


class ScopedManager(models.Manager.from_queryset(ScopedQuerySet)):  # type: ignore[misc]
    """Default manager of every Concord model: hands out closed `ScopedQuerySet`s."""

    use_in_migrations = False
