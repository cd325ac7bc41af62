"""The search index: each searchable record's documents (`core.models.SearchEntry`), written
from the records, and kept up to date where the change log catches every write: the save and
delete signals of every record and part, and the stated unlogged bulk writes
(core.tenancy.scoping.unlogged_write). `reindex` rebuilds it (``concord search_reindex``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connections, router
from django.db.models import BooleanField, Exists, ExpressionWrapper, IntegerField, OuterRef, Value
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from core.models import SearchAudience, SearchEntry
from core.search.declarations import (
    Searchable,
    SearchPart,
    owner_attname,
    parts_of,
    searchable_models,
    spec_of,
)
from core.tenancy.inserts import insert_later
from core.tenancy.records import ConcordModel
from core.tenancy.scoping import unlogged_write

#: The most of a record's text that is indexed, in characters (a tsvector holds 1 MB at most).
MAX_INDEXED_TEXT = 200_000
#: Marks around each matched word in the database's snippets, made into ``<mark>`` once the
#: text is escaped (private-use characters, taken out of the indexed text first).
MARK_START, MARK_END = "\ue000", "\ue001"
#: What of an entry is written from its record (and so compared when it is indexed again).
_KEPT = ["title", "body", "has_restricted", "partner_id", "restricted_partner_id"]
#: Records indexed at a time (the reindex, bulk writes).
BATCH = 500
#: Why the index reads and writes whole tables: it is the index's own upkeep.
UPKEEP = "search index upkeep: the records' text, whoever may read it"


# The documents -----------------------------------------------------------------------------


def _text(values: Iterable[Any]) -> str:
    text = "\n".join(str(v) for v in values if v not in (None, ""))
    text = text.replace(MARK_START, " ").replace(MARK_END, " ").replace("\x00", " ")
    return text[:MAX_INDEXED_TEXT]


@dataclass
class _Document:
    title: str
    partner_id: int | None = None
    body: list[str] = field(default_factory=list)
    public_parts: list[str] = field(default_factory=list)
    restricted_parts: list[str] = field(default_factory=list)
    #: The councils owning the restricted parts (None among them: a part no council owns).
    restricted_councils: set[int | None] = field(default_factory=set)

    @property
    def restricted_partner_id(self) -> int | None:
        """The one council owning every restricted part, when one does (`SearchEntry.
        restricted_partner`); None when there are none, or several, or one no council owns."""
        if len(self.restricted_councils) == 1:
            return next(iter(self.restricted_councils))
        return None

    def entries(self) -> dict[str, tuple[str, str, bool]]:
        """(title, body, has_restricted) by audience."""
        has_restricted = bool(self.restricted_parts)
        everyone = (self.title, _text([*self.body, *self.public_parts]), has_restricted)
        found = {SearchAudience.EVERYONE.value: everyone}
        if has_restricted:
            body = _text([*self.body, *self.public_parts, *self.restricted_parts])
            found[SearchAudience.RESTRICTED.value] = (self.title, body, False)
        return found


def _document(spec: Searchable, values: Sequence[Any], partner_id: int | None) -> _Document:
    """A record's document from the values of its title and body fields, in their order."""
    title = " ".join(str(v) for v in values[: len(spec.title)] if v not in (None, ""))
    return _Document(
        title=_text([title]), partner_id=partner_id, body=list(values[len(spec.title) :])
    )


#: The Python types a field's value has when saved as it is read back (so that a new record's
#: document can be written from the record itself): text and whole numbers.
_PLAIN = (str, int, type(None))


def new_record_document(model: Any, record: Any) -> _Document | None:
    """The document of `record`, a record of `model` just inserted, from its own values: none
    of its parts can exist yet, as they point at it. None when a value is not as the database
    would give it back (an expression, a date given as text): the record is then read back."""
    spec = spec_of(model)
    assert spec is not None
    values = [
        getattr(record, model._meta.get_field(name).attname) for name in (*spec.title, *spec.body)
    ]
    if not all(type(value) in _PLAIN for value in values) or any(
        isinstance(value, bool) for value in values
    ):
        return None
    owner = owner_attname(model)
    partner_id = getattr(record, owner) if owner else None
    if partner_id is not None and type(partner_id) is not int:
        return None
    return _document(spec, values, partner_id)


def documents(model: Any, pks: Sequence[int]) -> dict[int, _Document]:
    """The documents of `model`'s records `pks` that exist (two queries and one per part)."""
    spec = spec_of(model)
    assert spec is not None
    owner = owner_attname(model)
    names = [*spec.title, *spec.body]
    rows = model.objects.unscoped(UPKEEP).filter(pk__in=list(pks))
    found: dict[int, _Document] = {}
    for pk, partner_id, *values in rows.values_list(
        "pk", owner or Value(None, output_field=IntegerField()), *names
    ):
        found[pk] = _document(spec, values, partner_id)
    for part in spec.parts:
        restricted = (
            ExpressionWrapper(part.restricted, output_field=BooleanField())
            if part.restricted is not None
            else Value(False)
        )
        link = part.link_attname()
        part_owner = owner_attname(part.part_model())
        part_rows = (
            part.part_model()
            .objects.unscoped(UPKEEP)
            .filter(**{f"{link}__in": list(found)})
            .annotate(search_restricted=restricted)
            .order_by(link, "pk")
            .values_list(
                link,
                "search_restricted",
                part_owner or Value(None, output_field=IntegerField()),
                *part.fields,
            )
        )
        for record_pk, is_restricted, part_partner_id, *values in part_rows:
            doc = found[record_pk]
            if is_restricted:
                doc.restricted_parts.append(_text(values))
                doc.restricted_councils.add(part_partner_id)
            else:
                doc.public_parts.append(_text(values))
    return found


def _entries_of(content_type: Any, pk: int, doc: _Document) -> list[SearchEntry]:
    return [
        SearchEntry(
            content_type=content_type,
            object_id=pk,
            audience=audience,
            title=title,
            body=body,
            has_restricted=has_restricted,
            partner_id=doc.partner_id,
            restricted_partner_id=doc.restricted_partner_id,
        )
        for audience, (title, body, has_restricted) in doc.entries().items()
    ]


def index_new_record(model: Any, record: Any) -> None:
    """Index `record`, a record of `model` just inserted with an id the database gave it: its
    entries written from its own values, without reading it, its parts or its entries back (it
    has none of them yet: nothing could name its id before); read back as `index_records` does
    when its values are not as the database keeps them."""
    doc = new_record_document(model, record)
    if doc is None:
        index_records(model, [record.pk])
        return
    content_type = ContentType.objects.get_for_model(model)
    entries = _entries_of(content_type, record.pk, doc)
    # No one reads the new entries back in this transaction: on PostgreSQL they go with its
    # next statement (core.tenancy.inserts.insert_later).
    if not insert_later(SearchEntry, entries, router.db_for_write(SearchEntry)):
        SearchEntry.objects.unscoped(UPKEEP).bulk_create(entries)


def index_records(model: Any, pks: Iterable[Any]) -> None:
    """Bring the index of `model`'s records `pks` up to date with the database: their entries
    written, changed or removed (a record that no longer exists loses its own)."""
    wanted_pks = sorted({pk for pk in pks if pk is not None})
    if not wanted_pks or spec_of(model) is None:
        return
    content_type = ContentType.objects.get_for_model(model)
    entries = SearchEntry.objects.unscoped(UPKEEP)
    for start in range(0, len(wanted_pks), BATCH):
        chunk = wanted_pks[start : start + BATCH]
        docs = documents(model, chunk)
        existing = {
            (entry.object_id, entry.audience): entry
            for entry in entries.filter(content_type=content_type, object_id__in=chunk)
        }
        created: list[SearchEntry] = []
        changed: list[SearchEntry] = []
        for pk in chunk:
            doc = docs.get(pk)
            for wanted in _entries_of(content_type, pk, doc) if doc else []:
                entry = existing.pop((pk, wanted.audience), None)
                if entry is None:
                    created.append(wanted)
                elif [getattr(entry, name) for name in _KEPT] != [
                    getattr(wanted, name) for name in _KEPT
                ]:
                    for name in _KEPT:
                        setattr(entry, name, getattr(wanted, name))
                    changed.append(entry)
        if existing:
            entries.filter(pk__in=[entry.pk for entry in existing.values()]).delete()
        if changed:
            entries.bulk_update(changed, _KEPT)
        if created:
            entries.bulk_create(created)


def remove_records(model: Any, pks: Iterable[Any]) -> None:
    """Take `model`'s records `pks` out of the index."""
    ids = sorted({pk for pk in pks if pk is not None})
    if ids:
        content_type = ContentType.objects.get_for_model(model)
        SearchEntry.objects.unscoped(UPKEEP).filter(
            content_type=content_type, object_id__in=ids
        ).delete()


def refresh_statistics() -> None:
    """On PostgreSQL, the planner's statistics of the index's table gathered again now.

    Each batch of a rebuild reads the entries its records already have (`index_records`), by
    kind and ids, through the entries' unique index. As the table fills, statistics from when
    it held a few hundred entries tell PostgreSQL that a kind has a few thousand at most, and it
    reads every entry of the kind and filters them instead. At a million tickets that was
    1.2 s a batch instead of milliseconds: some 40 minutes for the 2,000 batches. Autovacuum
    gathers statistics in the end, but not on a server where it is switched off, and not
    during a rebuild's first minutes. `reindex` calls this after 500, 2,000, 8,000, ...
    records, so the statistics are never more than four times behind; each run samples a
    fixed number of rows (a tenth of a second or so). SQLite plans this read by its index
    whatever its statistics, and gathers its own as connections close (core.sqlite3).
    """
    connection = connections[router.db_for_write(SearchEntry)]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(SearchEntry._meta.db_table)}")


def reindex(
    models_to_index: Sequence[Any] | None = None,
    progress: Callable[[Any, int, int], None] | None = None,
) -> dict[str, int]:
    """Rebuild the index of every searchable model (or those given) from the records, in
    batches, while search goes on answering from what is there; entries of records that are
    gone, and of kinds no longer searchable, are removed. `progress(model, done, total)` is
    told after each batch. Returns the records indexed, by model label."""
    chosen = list(models_to_index or searchable_models())
    counts: dict[str, int] = {}
    for model in chosen:
        records = model.objects.unscoped(UPKEEP)
        total = records.count()
        done = 0
        last = 0
        analysed_at = BATCH
        while True:
            pks = list(
                records.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:BATCH]
            )
            if not pks:
                break
            index_records(model, pks)
            done += len(pks)
            last = pks[-1]
            if done >= analysed_at:
                refresh_statistics()
                analysed_at *= 4
            if progress is not None:
                progress(model, done, total)
        content_type = ContentType.objects.get_for_model(model)
        # NOT EXISTS, not NOT IN: PostgreSQL cannot turn NOT IN (subquery) into an anti-join
        # (NULLs), and checked each of a million entries against a million records for
        # longer than the whole rebuild took.
        SearchEntry.objects.unscoped(UPKEEP).filter(content_type=content_type).exclude(
            Exists(records.filter(pk=OuterRef("object_id")))
        ).delete()
        counts[model._meta.label] = done
    if models_to_index is None:
        kept = [ContentType.objects.get_for_model(model).pk for model in searchable_models()]
        SearchEntry.objects.unscoped(UPKEEP).exclude(content_type_id__in=kept).delete()
    return counts


# Keeping it up to date -----------------------------------------------------------------------
#
# Where the change log catches every write (core.changelog): the save and delete signals of
# every record, and the bulk writes that skip them, which say so (`.unlogged(reason)`) and so
# tell `unlogged_write`. A save that changes none of the indexed fields costs nothing here.


def _watched(model: Any) -> tuple[set[str], list[tuple[Any, SearchPart]]]:
    """The attnames of `model` whose change changes the index, and the records it is part of."""
    names: set[str] = set()
    spec = spec_of(model)
    if spec is not None:
        names |= spec.own_attnames(model)
        owner = owner_attname(model)
        if owner:
            names.add(owner)
    parts = parts_of().get(model, [])
    for _, part in parts:
        names |= {model._meta.get_field(name).attname for name in part.fields}
        names.add(part.link_attname())
        part_owner = owner_attname(model)
        if part_owner:
            names.add(part_owner)  # the council of a restricted part (`restricted_partner`)
        if part.restricted is not None:
            names |= {
                model._meta.get_field(name).attname
                for name in part.restricted.referenced_base_fields
            }
    return names, parts


@receiver(pre_save, dispatch_uid="concord_search_before_save")
def _before_save(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw or not isinstance(instance, ConcordModel):
        return
    names, parts = _watched(sender)
    if not names:
        return
    record: Any = instance
    before = None if record._state.adding else record._loaded_values
    if before is None:
        record._search_dirty = True
        record._search_links_before = []
        # A new record given no id of its own: nothing can point at it yet (`index_new_record`).
        record._search_unseen = record._state.adding and record.pk is None
        return
    after = record.tracked_values()
    record._search_dirty = any(before.get(name) != after.get(name) for name in names)
    record._search_links_before = [before.get(part.link_attname()) for _, part in parts]


@receiver(post_save, dispatch_uid="concord_search_after_save")
def _after_save(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw or not getattr(instance, "_search_dirty", False):
        return
    instance._search_dirty = False
    if spec_of(sender) is not None:
        if kwargs.get("created") and getattr(instance, "_search_unseen", False):
            instance._search_unseen = False
            index_new_record(sender, instance)
        else:
            index_records(sender, [instance.pk])
    before = getattr(instance, "_search_links_before", [])
    for number, (record_model, part) in enumerate(parts_of().get(sender, [])):
        linked = {getattr(instance, part.link_attname())}
        if number < len(before):
            linked.add(before[number])
        index_records(record_model, linked)


@receiver(post_delete, dispatch_uid="concord_search_after_delete")
def _after_delete(sender: Any, instance: Any, **kwargs: Any) -> None:
    if not isinstance(instance, ConcordModel):
        return
    if spec_of(sender) is not None:
        remove_records(sender, [instance.pk])
    for record_model, part in parts_of().get(sender, []):
        index_records(record_model, [getattr(instance, part.link_attname())])


@receiver(unlogged_write, dispatch_uid="concord_search_bulk_write")
def _bulk_write(
    sender: Any,
    queryset: Any,
    objs: list[Any] | None,
    fields: Iterable[str] | None,
    **kwargs: Any,
) -> Callable[[list[Any] | None], None] | None:
    """Before an unlogged bulk write of `sender`'s rows: what to index once it is done."""
    names, parts = _watched(sender)
    if not names:
        return None
    if fields is not None:
        written = {sender._meta.get_field(name).attname for name in fields}
        if not written & names:
            return None
    own = spec_of(sender) is not None
    links = [part.link_attname() for _, part in parts]
    if objs is None:  # update(): the rows it will change, and their records, read first
        rows = list(queryset.values_list("pk", *links))
    else:
        rows = [(obj.pk, *(getattr(obj, link) for link in links)) for obj in objs]

    def after(written_objs: list[Any] | None) -> None:
        pks = [row[0] for row in rows]
        if written_objs is not None:
            pks += [obj.pk for obj in written_objs]
        if own:
            index_records(sender, pks)
        for number, (record_model, _) in enumerate(parts):
            linked = {row[number + 1] for row in rows}
            if links and pks:
                now = sender.objects.unscoped(UPKEEP).filter(pk__in=[pk for pk in pks if pk])
                linked |= set(now.values_list(links[number], flat=True))
            index_records(record_model, linked)

    return after
