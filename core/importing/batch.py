"""Writing an import's checked rows in bulk, a chunk at a time, with everything a save writes.

A record saved on its own costs a dozen queries: the row, its change record and the record's
councils in it, its search entries, a co-owned record's shares and their change record, the
check that its author can still see it. `write_in_bulk` writes a chunk of checked rows with a
handful instead: the records (new ones with the inserts of core.importing.inserts, built once
rather than compiled an object at a time; ``bulk_update`` one ``UPDATE`` per row sent as a
batch), their change records and the councils of each (from `core.changelog.change_values`,
with the same inserts: the change log still holds every write, as each save would have written
it), the shares of co-owned records and their change records, the search entries (core.search
follows the stated unlogged writes, core.tenancy.scoping.unlogged_write, which the inserts tell
as ``bulk_create`` does), and one query for the rows their author could not see afterwards.

Which models: those whose ``save`` is the foundation's own (`bulk_writable`), whose derived
fields are worked out by `ConcordModel.derive`, and whose visibility follows from their owning
councils (owned by a council, co-owned in shares, or in the catalogue). A model whose ``save``
does more (a licence assignment takes a seat under a lock) or that checks rows against each
other as they are written (``check_unsaved_import_row``) is imported a record at a time, as
before. The caller (core.importing.records) runs it inside the import's transaction, in a
savepoint, and on a database error writes the chunk again a row at a time, so that a clash only
the database sees is reported on its row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from core.changelog import change_stamp, change_values
from core.importing.inserts import insert, insert_values, insertable
from core.models import ChangeAction, ChangeRecord, ChangeRecordPartner
from core.tenancy.records import (
    UNTRACKED_FIELDS,
    ConcordModel,
    OwnerShare,
    SharedOwnershipModel,
    json_value,
)
from core.tenancy.scoping import is_change_logged, unlogged_write

#: Why the import writes records with bulk writes that send no save signal: it writes their
#: change records itself (core.tenancy.scoping.ChangeLoggedWrites.unlogged).
WHY = "import in bulk: core.importing.batch writes each record's change records itself"


@dataclass
class Pending:
    """One checked row waiting to be written."""

    row: int
    instance: Any
    creating: bool
    #: A co-owned record's owners after the row ({partner: percentage}); None keeps them.
    shares: dict[Any, Decimal] | None
    #: The row's cells, to explain a problem the database finds on it.
    cells: list[Any]
    #: The record's version as checked (a write that fails puts it back).
    version: int = 0


def bulk_writable(model: type[ConcordModel]) -> bool:
    """Whether an import may write `model`'s records in bulk (see the module's note)."""
    saves_plainly = model.save is ConcordModel.save
    ownership = getattr(model, "ownership", "partner")
    return (
        saves_plainly
        and ownership in ("partner", "shared", "catalogue")
        and not hasattr(model, "check_unsaved_import_row")
    )


def _percent(value: Any) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))


def write_in_bulk(
    model: type[ConcordModel],
    user: Any,
    pending: Sequence[Pending],
    owners: dict[int, dict[int, Decimal]],
) -> list[int]:
    """Write `pending` (checked rows of `model`) with their change records, shares and search
    entries; `owners` holds each updated co-owned record's shares as they are ({record id:
    {partner id: percentage}}, read with the chunk). Returns the rows whose record `user`
    could not see once written."""
    if not pending:
        return []
    from core.tenancy.access import VIEW

    now = timezone.now()
    shared = issubclass(model, SharedOwnershipModel)
    content_type = ContentType.objects.get_for_model(model)
    creates = [p for p in pending if p.creating]
    updates = [p for p in pending if not p.creating]
    befores: dict[int, Any] = {}
    tracked = _tracker(model)
    # Each record's values as the change log records them, worked out once: an updated
    # record's before it is written (does its version move?), a new one's once inserted (its
    # id); they are the change record's `after` and what the record holds once written.
    afters: dict[int, dict[str, Any]] = {}
    for item in pending:
        item.version = item.instance.version
        item.instance.derive()
    for item in updates:
        instance = item.instance
        befores[id(instance)] = instance._loaded_values
        after = afters[id(instance)] = tracked(instance)
        if after != instance._loaded_values:
            instance.version = (instance.version or 0) + 1
        instance.updated_at = now

    if creates:
        _create(model, [p.instance for p in creates])
        for item in creates:
            afters[id(item.instance)] = tracked(item.instance)
    if updates:
        meta = model._meta
        fields = [
            f.name for f in meta.concrete_fields if not f.primary_key and f.name != "created_at"
        ]
        model.objects.visible_to(user, "change").unlogged(WHY).bulk_update(
            [p.instance for p in updates], fields
        )

    # The shares of co-owned records: new records' all, updated records' where they change.
    share_changes: dict[int, tuple[dict[str, str], dict[str, str]]] = {}
    if shared:
        replaced: list[int] = []
        new_shares: list[tuple[int, int, int, Decimal]] = []
        for item in pending:
            pk = item.instance.pk
            old = {} if item.creating else owners.get(pk, {})
            if item.shares is None:
                continue
            before = {str(pid): str(_percent(pct)) for pid, pct in old.items()}
            after = {str(p.pk): str(_percent(pct)) for p, pct in item.shares.items()}
            if before == after and not item.creating:
                continue
            if old:
                replaced.append(pk)
            new_shares += [
                (content_type.pk, pk, partner.pk, _percent(pct))
                for partner, pct in item.shares.items()
            ]
            share_changes[pk] = (before, after)
        if replaced:
            OwnerShare.objects.filter(content_type=content_type, object_id__in=replaced).delete()
        if new_shares:
            insert_values(
                OwnerShare, ("content_type", "object_id", "partner", "percentage"), new_shares
            )

    # The change records, in the order a save a record at a time writes them.
    changes: list[tuple[dict[str, Any], list[int]]] = []
    stamp = change_stamp(model)

    def log(action: str, before: Any, after: Any, councils: list[int]) -> None:
        values = change_values(instance, action, before, after, stamp)
        if values is not None:
            changes.append((values, sorted(set(councils))))

    for item in pending:
        instance = item.instance
        pk = instance.pk
        after = afters[id(instance)]
        if shared:
            then = [int(p) for p in (owners.get(pk, {}) if not item.creating else {})]
            if item.creating and item.shares is not None:
                then = [p.pk for p in item.shares]
            councils = sorted(set(then))
        else:
            councils = instance.change_log_partner_ids(
                None if item.creating else befores[id(instance)]
            )
        if item.creating:
            log(ChangeAction.CREATE, None, after, councils)
        else:
            log(ChangeAction.UPDATE, befores[id(instance)], after, councils)
        if pk in share_changes:
            before_shares, after_shares = share_changes[pk]
            moved = sorted({*(int(p) for p in before_shares), *(int(p) for p in after_shares)})
            log(
                ChangeAction.UPDATE,
                {"owner_shares": before_shares},
                {"owner_shares": after_shares},
                moved,
            )
    _write_changes(changes)
    for item in pending:
        item.instance._loaded_values = afters[id(item.instance)]

    if getattr(model, "ownership", "partner") in ("partner", "catalogue"):
        return []
    # Who owns it is not a column of its own here: make sure its author can still see it.
    pks = [p.instance.pk for p in pending]
    seen = set(model.objects.visible_to(user, VIEW).filter(pk__in=pks).values_list("pk", flat=True))
    return [p.row for p in pending if p.instance.pk not in seen]


#: Values `json_value` gives back as they are.
_JSON_READY = frozenset({str, int, bool, float, type(None)})


def _tracker(model: type[ConcordModel]) -> Callable[[Any], dict[str, Any]]:
    """A function giving a record's `tracked_values`: the foundation's own, with the fields it
    takes worked out once for the model rather than once a record (a record with deferred
    fields, or a model with its own `tracked_values`, is asked itself)."""
    if model.tracked_values is not ConcordModel.tracked_values:
        return lambda instance: instance.tracked_values()
    meta = model._meta
    omits = set(model.change_log_omits)
    fields = [
        f
        for f in meta.concrete_fields
        if f.name not in UNTRACKED_FIELDS
        and f.name not in model.derived_fields
        and f.name not in omits
        and f.attname not in omits
    ]
    names = [f.attname for f in fields]

    def tracked(instance: Any) -> dict[str, Any]:
        state = instance.__dict__
        if not all(name in state for name in names):
            return instance.tracked_values()  # deferred fields: its own rule
        values = {}
        for name in names:
            value = state[name]
            values[name] = value if type(value) in _JSON_READY else json_value(value)
        return values

    return tracked


def _create(model: type[ConcordModel], objs: list[Any]) -> None:
    """Insert new records (core.importing.inserts), telling `unlogged_write` as the stated
    unlogged ``bulk_create`` does (the search index follows it: core.search)."""
    if not insertable(model):
        model.objects.unlogged(WHY).bulk_create(objs)
        return
    then: list[Any] = []
    if is_change_logged(model):
        answers = unlogged_write.send(
            sender=model, queryset=model.objects.unlogged(WHY), objs=objs, fields=None
        )
        then = [answer for _, answer in answers if callable(answer)]
    insert(model, objs, returning=True)
    for call in then:
        call(objs)


#: A change record's columns, as `core.changelog.change_values` gives them.
_CHANGE_FIELDS = (
    "at",
    "actor_id",
    "actor_label",
    "request_id",
    "action",
    "content_type_id",
    "object_id",
    "object_repr",
    "before",
    "after",
    "changed_fields",
)


def _write_changes(changes: list[tuple[dict[str, Any], list[int]]]) -> None:
    """The rows `core.changelog.write_changes` writes (each change record, then a link to
    each of its councils), from `core.changelog.change_values` and with the inserts of
    core.importing.inserts: no model instance a change record."""
    if not changes:
        return
    ids = insert_values(
        ChangeRecord,
        _CHANGE_FIELDS,
        [[values[name] for name in _CHANGE_FIELDS] for values, _ in changes],
        returning=True,
    )
    links = [
        (change_id, partner_id)
        for change_id, (_, partner_ids) in zip(ids, changes, strict=True)
        for partner_id in partner_ids
    ]
    insert_values(ChangeRecordPartner, ("change", "partner"), links)


def undo_in_memory(pending: Sequence[Pending]) -> None:
    """Put the records of a chunk whose bulk write failed (and was rolled back) back as they
    were checked, to be written a row at a time."""
    for item in pending:
        item.instance.version = item.version
        if item.creating:
            item.instance.pk = None
            item.instance._state.adding = True
