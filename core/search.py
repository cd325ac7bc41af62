"""Full-text search over any Concord record that declares what is searchable, scoped like every
list: ranked, with the matched words highlighted.

A model joins by declaring, on itself, a `Searchable`: the fields of its title (ranked
highest) and body, and the records of other models that are part of its text (`SearchPart`: a
ticket's replies). Core names no app: the registry is every installed model with a ``search``
declaration.

The index (`core.models.SearchEntry`, one row per record and audience) is kept up to date where
the change log catches every write: the save and delete signals of every record and part, and
the bulk writes that skip them (``.unlogged(reason)``, core.tenancy.scoping.unlogged_write).
``concord search_reindex`` rebuilds it. The database does the matching: PostgreSQL a generated
``tsvector`` column with a GIN index (``websearch_to_tsquery`` and ``ts_rank`` with the
'english' configuration, ``ts_headline``), SQLite an FTS5 table (porter stemming, ``bm25``,
``snippet`` and ``highlight``); the Python API is the same on both.

Who finds what: the entries of the records a person sees through each model's own
``visible_to`` (`entry_visibility`), and a record's restricted document (its internal notes)
only where the person sees every one of its restricted parts through the part model's own
``visible_to``. So a requester never matches on the words of a note, another council's record
is never a hit, a count or a snippet. docs/decisions/0015-full-text-search.md says why.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Q,
    Value,
)
from django.db.models.expressions import Expression, Func
from django.db.models.lookups import Lookup
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from django.urls import NoReverseMatch, reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst

from core.models import FtsColumn, SearchAudience, SearchEntry
from core.tenancy.access import VIEW, access_for
from core.tenancy.records import ConcordModel, record_names
from core.tenancy.scoping import unlogged_write
from core.tenancy.validators import TextRule

#: The longest search a person may type, in characters.
MAX_QUERY_LENGTH = 200
#: The most of a record's text that is indexed, in characters (a tsvector holds 1 MB at most).
MAX_INDEXED_TEXT = 200_000
#: Marks around each matched word in the database's snippets, made into ``<mark>`` once the
#: text is escaped (private-use characters, taken out of the indexed text first).
MARK_START, MARK_END = "\ue000", "\ue001"
#: Records indexed at a time (the reindex, bulk writes).
BATCH = 500
#: Why the index reads and writes whole tables: it is the index's own upkeep.
UPKEEP = "search index upkeep: the records' text, whoever may read it"


class SearchQueryError(ValueError):
    """Words to search for that cannot be searched for, with what to do in words; `field` is
    the parameter at fault: ``q`` (the words), ``kind`` or ``cursor``."""

    def __init__(self, message: str, field: str = "q") -> None:
        super().__init__(message)
        self.field = field


# Declaring what is searchable --------------------------------------------------------------


@dataclass(frozen=True)
class SearchPart:
    """Records of another model that are part of a searchable record's text (a ticket's
    replies and notes): `model` (``app_label.ModelName``), its foreign key `link` to the
    record, its text `fields`. Parts where `restricted` holds (a note: ``Q(public=False)``)
    are not in the document every reader of the record matches on, only in the restricted one,
    which a reader matches on only when they see every such part of the record through the
    part model's own ``visible_to``."""

    model: str
    link: str
    fields: tuple[str, ...]
    restricted: Q | None = None

    def part_model(self) -> Any:
        return apps.get_model(self.model)

    def link_attname(self) -> str:
        return str(self.part_model()._meta.get_field(self.link).attname)


@dataclass(frozen=True)
class Searchable:
    """What of a record full-text search reads: `title` fields (ranked highest, the result's
    title), `body` fields, and `parts` (`SearchPart`). Declared on the model as
    ``search = Searchable(...)``."""

    title: tuple[str, ...]
    body: tuple[str, ...] = ()
    parts: tuple[SearchPart, ...] = ()

    def own_attnames(self, model: Any) -> set[str]:
        return {model._meta.get_field(name).attname for name in (*self.title, *self.body)}


def spec_of(model: Any) -> Searchable | None:
    """The model's search declaration, or None."""
    spec = getattr(model, "search", None)
    return spec if isinstance(spec, Searchable) else None


@cache
def searchable_models() -> tuple[Any, ...]:
    """Every installed Concord model that declares what is searchable, by label."""
    found = [
        model
        for model in apps.get_models()
        if issubclass(model, ConcordModel) and spec_of(model) is not None
    ]
    return tuple(sorted(found, key=lambda m: m._meta.label_lower))


@cache
def _parts_of() -> dict[Any, list[tuple[Any, SearchPart]]]:
    """For each model that is a part of searchable records: (record model, part)."""
    found: dict[Any, list[tuple[Any, SearchPart]]] = {}
    for model in searchable_models():
        for part in spec_of(model).parts:  # type: ignore[union-attr]
            found.setdefault(part.part_model(), []).append((model, part))
    return found


def kind_of(model: Any) -> str:
    """The kind of result a model's records are, as the API names it (``ticket``)."""
    return str(model._meta.model_name)


def kind_label(model: Any) -> str:
    return capfirst(record_names(model)[0])


def all_kinds() -> dict[str, Any]:
    """Every kind of result, by name."""
    return {kind_of(model): model for model in searchable_models()}


def kinds_for(user: Any) -> list[tuple[str, str]]:
    """The kinds of record `user` may find (the grant tables), as (kind, label)."""
    access = access_for(user)
    return [
        (kind_of(model), kind_label(model))
        for model in searchable_models()
        if access.can(VIEW, model.area, own=bool(model.own_fields))
    ]


# The documents -----------------------------------------------------------------------------


def _text(values: Iterable[Any]) -> str:
    text = "\n".join(str(v) for v in values if v not in (None, ""))
    text = text.replace(MARK_START, " ").replace(MARK_END, " ").replace("\x00", " ")
    return text[:MAX_INDEXED_TEXT]


@dataclass
class _Document:
    title: str
    body: list[str] = field(default_factory=list)
    public_parts: list[str] = field(default_factory=list)
    restricted_parts: list[str] = field(default_factory=list)

    def entries(self) -> dict[str, tuple[str, str, bool]]:
        """(title, body, has_restricted) by audience."""
        has_restricted = bool(self.restricted_parts)
        everyone = (self.title, _text([*self.body, *self.public_parts]), has_restricted)
        found = {SearchAudience.EVERYONE.value: everyone}
        if has_restricted:
            body = _text([*self.body, *self.public_parts, *self.restricted_parts])
            found[SearchAudience.RESTRICTED.value] = (self.title, body, False)
        return found


def documents(model: Any, pks: Sequence[int]) -> dict[int, _Document]:
    """The documents of `model`'s records `pks` that exist (two queries and one per part)."""
    spec = spec_of(model)
    assert spec is not None
    names = [*spec.title, *spec.body]
    rows = model.objects.unscoped(UPKEEP).filter(pk__in=list(pks)).values_list("pk", *names)
    found: dict[int, _Document] = {}
    for pk, *values in rows:
        title = " ".join(str(v) for v in values[: len(spec.title)] if v not in (None, ""))
        found[pk] = _Document(title=_text([title]), body=list(values[len(spec.title) :]))
    for part in spec.parts:
        restricted = (
            ExpressionWrapper(part.restricted, output_field=BooleanField())
            if part.restricted is not None
            else Value(False)
        )
        link = part.link_attname()
        part_rows = (
            part.part_model()
            .objects.unscoped(UPKEEP)
            .filter(**{f"{link}__in": list(found)})
            .annotate(search_restricted=restricted)
            .order_by(link, "pk")
            .values_list(link, "search_restricted", *part.fields)
        )
        for record_pk, is_restricted, *values in part_rows:
            pieces = found[record_pk].restricted_parts if is_restricted else None
            if pieces is None:
                pieces = found[record_pk].public_parts
            pieces.append(_text(values))
    return found


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
            for audience, (title, body, has_restricted) in (doc.entries() if doc else {}).items():
                entry = existing.pop((pk, audience), None)
                if entry is None:
                    created.append(
                        SearchEntry(
                            content_type=content_type,
                            object_id=pk,
                            audience=audience,
                            title=title,
                            body=body,
                            has_restricted=has_restricted,
                        )
                    )
                elif (entry.title, entry.body, entry.has_restricted) != (
                    title,
                    body,
                    has_restricted,
                ):
                    entry.title, entry.body, entry.has_restricted = title, body, has_restricted
                    changed.append(entry)
        if existing:
            entries.filter(pk__in=[entry.pk for entry in existing.values()]).delete()
        if changed:
            entries.bulk_update(changed, ["title", "body", "has_restricted"])
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
        while True:
            pks = list(
                records.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:BATCH]
            )
            if not pks:
                break
            index_records(model, pks)
            done += len(pks)
            last = pks[-1]
            if progress is not None:
                progress(model, done, total)
        content_type = ContentType.objects.get_for_model(model)
        SearchEntry.objects.unscoped(UPKEEP).filter(content_type=content_type).exclude(
            object_id__in=records.values("pk")
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
    parts = _parts_of().get(model, [])
    for _, part in parts:
        names |= {model._meta.get_field(name).attname for name in part.fields}
        names.add(part.link_attname())
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
        index_records(sender, [instance.pk])
    before = getattr(instance, "_search_links_before", [])
    for number, (record_model, part) in enumerate(_parts_of().get(sender, [])):
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
    for record_model, part in _parts_of().get(sender, []):
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


# Who finds what ------------------------------------------------------------------------------


def _sees_all(queryset: Any) -> bool:
    """Whether a ``visible_to`` queryset is the whole table (a rule of Q())."""
    return not queryset.query.where.children


def _sees_none(queryset: Any) -> bool:
    return bool(queryset.query.is_empty())


def entry_visibility(user: Any) -> Q | None:
    """The index entries `user` may match: for each searchable model, the entries of records
    in ``Model.objects.visible_to(user)``; of those, the restricted document where the user
    sees every restricted part of the record (``Part.objects.visible_to(user)``), else the
    document for everyone. None when they may find nothing."""
    condition: Q | None = None
    for model in searchable_models():
        visible = model.objects.visible_to(user)
        if _sees_none(visible):
            continue
        spec = spec_of(model)
        assert spec is not None
        kind = Q(content_type_id=ContentType.objects.get_for_model(model).pk)
        seen = Q()
        if not _sees_all(visible):
            seen = Q(Exists(visible.filter(pk=OuterRef("object_id"))))
        # The record's visibility inside each audience's arm: checked for each entry the words
        # match (a rare word: a handful), rather than a join from every record the person sees
        # (a council's whole table), which PostgreSQL chose when it stood alone.
        for arm in _audiences(user, spec):
            term = kind & seen & arm
            condition = term if condition is None else condition | term
    return condition


def _audiences(user: Any, spec: Searchable) -> list[Q]:
    """The documents of a record `user` matches on, as alternatives: the restricted one where
    they see every restricted part, the one for everyone otherwise."""
    restricted = [part for part in spec.parts if part.restricted is not None]
    everyone = Q(audience=SearchAudience.EVERYONE)
    if not restricted:
        return [everyone]
    unseen: Q | None = None  # the record has a restricted part the user does not see
    sees_every_part = True
    for part in restricted:
        part_model = part.part_model()
        visible = part_model.objects.visible_to(user)
        if _sees_all(visible):
            continue
        sees_every_part = False
        if _sees_none(visible):
            # They see no part of this model, so a record with restricted parts has one unseen.
            return [everyone]
        hidden = Exists(
            part_model.objects.unscoped("search: restricted parts the reader cannot see")
            .filter(**{part.link_attname(): OuterRef("object_id")})
            .filter(part.restricted)
            .exclude(Exists(visible.filter(pk=OuterRef("pk"))))
        )
        unseen = Q(hidden) if unseen is None else unseen | Q(hidden)
    if sees_every_part or unseen is None:
        return [Q(audience=SearchAudience.RESTRICTED), everyone & Q(has_restricted=False)]
    return [
        everyone & (Q(has_restricted=False) | unseen),
        Q(audience=SearchAudience.RESTRICTED) & ~unseen,
    ]


# The words -----------------------------------------------------------------------------------

_TERM = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_WORD = re.compile(r"\w+")


def clean_query(raw: str | None) -> str:
    """The words a person asked for, trimmed; raises `SearchQueryError` saying what to do
    when there are none, too many, or characters no text may hold (the text rule)."""
    text = (raw or "").strip()
    if not text:
        raise SearchQueryError("Enter the words to search for")
    if len(text) > MAX_QUERY_LENGTH:
        raise SearchQueryError(
            f"Search words must be {MAX_QUERY_LENGTH} characters or fewer (these are {len(text)})"
        )
    try:
        TextRule("Search words")(text)
    except ValidationError as exc:
        raise SearchQueryError(" ".join(exc.messages)) from None
    return text


def fts5_query(text: str) -> str:
    """`text` as an FTS5 query with the meaning PostgreSQL's ``websearch_to_tsquery`` gives
    it: words (all of them), "quoted phrases", ``or`` between two, ``-word`` for without.
    Every term is quoted, so nothing a person types is FTS5 syntax (``NEAR(``, ``*``, ``:``);
    empty when nothing in it can be searched for."""
    groups: list[list[str]] = []
    negated: list[str] = []
    pending_or = False
    for match in _TERM.finditer(text):
        minus, phrase, word = match.groups()
        if word is not None:
            if word.lower() == "or" and groups:
                pending_or = True
                continue
            minus = "-" if word.startswith("-") and len(word) > 1 else ""
            words = _WORD.findall(word[1:] if minus else word)
        else:
            words = _WORD.findall(phrase)
        if not words:
            continue
        term = '"' + " ".join(words) + '"'
        if minus:
            negated.append(term)
        elif pending_or:
            groups[-1].append(term)
        else:
            groups.append([term])
        pending_or = False
    if not groups:
        return ""
    expression = " AND ".join("(" + " OR ".join(group) + ")" for group in groups)
    for term in negated:
        expression = f"({expression}) NOT {term}"
    return expression


# The databases' own full-text search ----------------------------------------------------------


class _Sql(Expression):
    """A piece of the search's SQL over the entries' table (``{table}``, ``{document}``)."""

    def __init__(self, template: str, params: Sequence[Any], output_field: Any) -> None:
        super().__init__(output_field=output_field)
        self.template = template
        self.params = list(params)

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        table = compiler.quote_name_unless_alias(compiler.query.base_table)
        document = f"{table}.{connection.ops.quote_name('document')}"
        return self.template.format(table=table, document=document), list(self.params)


@FtsColumn.register_lookup
class FtsMatch(Lookup):
    """``fts__document__fts=query``: the FTS5 table's rows that match `query` (SQLite)."""

    lookup_name = "fts"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} MATCH {rhs}", [*lhs_params, *rhs_params]


_TSQUERY = "websearch_to_tsquery('english'::regconfig, %s)"
_PG_TITLE = f"StartSel={MARK_START}, StopSel={MARK_END}, HighlightAll=true"
_PG_SNIPPET = (
    f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=30, MinWords=12, "
    'MaxFragments=2, FragmentDelimiter=" … "'
)


class _Postgres:
    def matching(self, queryset: Any, text: str, ranked: bool = True) -> Any:
        found = queryset.filter(_Sql("{document} @@ " + _TSQUERY, [text], BooleanField()))
        if not ranked:
            return found
        return found.annotate(
            # As double precision: a real read into Python would not compare equal again.
            rank=_Sql("ts_rank({document}, " + _TSQUERY + ")::float8", [text], FloatField())
        )

    def snippets(self, queryset: Any, text: str) -> Any:
        return queryset.annotate(
            title_html=_Sql(
                "ts_headline('english'::regconfig, {table}.title, " + _TSQUERY + ", %s)",
                [text, _PG_TITLE],
                models.TextField(),
            ),
            snippet_html=_Sql(
                "ts_headline('english'::regconfig, {table}.body, " + _TSQUERY + ", %s)",
                [text, _PG_SNIPPET],
                models.TextField(),
            ),
        )


class _Sqlite:
    def matching(self, queryset: Any, text: str, ranked: bool = True) -> Any:
        query = fts5_query(text)
        if not query:
            return queryset.none().annotate(rank=Value(0.0, output_field=FloatField()))
        if not ranked:
            return queryset.filter(fts__document__fts=query)
        bm25 = Func(
            F("fts__document"),
            Value(10.0),
            Value(1.0),
            function="bm25",
            output_field=FloatField(),
        )
        # bm25 is smaller for a better match: the rank is its opposite, larger is better.
        return queryset.filter(fts__document__fts=query).annotate(rank=bm25 * Value(-1.0))

    def snippets(self, queryset: Any, text: str) -> Any:
        query = fts5_query(text)
        return queryset.filter(fts__document__fts=query).annotate(
            title_html=Func(
                F("fts__document"),
                Value(0),
                Value(MARK_START),
                Value(MARK_END),
                function="highlight",
                output_field=models.TextField(),
            ),
            snippet_html=Func(
                F("fts__document"),
                Value(1),
                Value(MARK_START),
                Value(MARK_END),
                Value("…"),
                Value(30),
                function="snippet",
                output_field=models.TextField(),
            ),
        )


def _backend() -> _Postgres | _Sqlite:
    if connection.vendor == "postgresql":
        return _Postgres()
    if connection.vendor == "sqlite":
        return _Sqlite()
    raise NotImplementedError(f"Full-text search does not know the {connection.vendor} database")


def marked(text: str | None) -> SafeString:
    """A snippet from the database as HTML: the text escaped, each matched word in ``<mark>``
    (the database marked them with characters no indexed text holds)."""
    html = str(escape(text or ""))
    opened = False
    pieces = []
    for char in html:
        if char == MARK_START and not opened:
            pieces.append("<mark>")
            opened = True
        elif char == MARK_END and opened:
            pieces.append("</mark>")
            opened = False
        elif char not in (MARK_START, MARK_END):
            pieces.append(char)
    if opened:
        pieces.append("</mark>")
    return mark_safe("".join(pieces))  # noqa: S308 - escaped above; only <mark> added


# Searching -----------------------------------------------------------------------------------


@dataclass
class SearchResult:
    """One record found: its kind, id, title, page, a snippet of the matched text (HTML, the
    matched words in ``<mark>``) and its rank (larger is better)."""

    kind: str
    kind_label: str
    id: int
    title: str
    title_html: SafeString
    url: str
    snippet: SafeString
    rank: float


@dataclass
class SearchPage:
    """One page of results, best first, with cursors for the pages either side."""

    results: list[SearchResult]
    next_cursor: str | None = None
    previous_cursor: str | None = None

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_previous(self) -> bool:
        return self.previous_cursor is not None


def choose_kinds(raw: Iterable[str]) -> list[Any]:
    """The models of the kinds named (none named: all); an unknown kind raises
    `SearchQueryError` naming the kinds there are."""
    known = all_kinds()
    names = [name.strip() for name in raw if name and name.strip()]
    unknown = [name for name in names if name not in known]
    if unknown:
        raise SearchQueryError(f"Choose a kind from: {', '.join(sorted(known))}", "kind")
    return [known[name] for name in dict.fromkeys(names)] or list(known.values())


def matching_ids(user: Any, model: Any, text: str) -> Any:
    """The ids of `model`'s records whose words, as `user` may read them, match `text` (a
    subquery), for a list's ``q`` (core.filtersets); None when `model` is not searchable or
    `text` cannot be searched for."""
    if spec_of(model) is None or user is None:
        return None
    try:
        text = clean_query(text)
    except SearchQueryError:
        return None
    content_type = ContentType.objects.get_for_model(model)
    entries = SearchEntry.objects.visible_to(user).filter(content_type_id=content_type.pk)
    return _backend().matching(entries, text, ranked=False).values("object_id")


def _cursor_key(text: str, chosen: Sequence[Any]) -> str:
    labels = ",".join(sorted(model._meta.label_lower for model in chosen))
    return hashlib.sha256(f"{text}\n{labels}".encode()).hexdigest()[:16]


def _encode(key: str, rank: float, pk: int, direction: str) -> str:
    payload = json.dumps({"s": key, "v": [rank, pk], "d": direction}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def _decode(key: str, cursor: str) -> tuple[float, int, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")).decode())
    except (ValueError, TypeError, binascii.Error, RecursionError) as exc:
        raise SearchQueryError("The cursor is not one this server gave out.", "cursor") from exc
    if not isinstance(data, dict) or set(data) != {"s", "v", "d"}:
        raise SearchQueryError("The cursor is not one this server gave out.", "cursor")
    if data["s"] != key:
        raise SearchQueryError(
            "This cursor belongs to another search: follow the next and previous links as "
            "they are given, or start again without a cursor.",
            "cursor",
        )
    values, direction = data["v"], data["d"]
    if (
        direction not in ("n", "p")
        or not isinstance(values, list)
        or len(values) != 2
        or type(values[0]) is not float
        or not math.isfinite(values[0])
        or type(values[1]) is not int
        or not 0 < values[1] < 2**63
    ):
        raise SearchQueryError("The cursor is not one this server gave out.", "cursor")
    return values[0], values[1], direction


def search(
    user: Any,
    text: str | None,
    kinds: Iterable[str] = (),
    cursor: str | None = None,
    size: int = 20,
) -> SearchPage:
    """One page of the records `user` may see that match `text` (the words, "phrases", ``or``
    and ``-word`` of a web search), best first, of the `kinds` named (none: all). Raises
    `SearchQueryError` for words, kinds or a cursor that cannot be searched with."""
    text = clean_query(text)
    chosen = choose_kinds(kinds)
    key = _cursor_key(text, chosen)
    backend = _backend()
    content_types = [ContentType.objects.get_for_model(model).pk for model in chosen]
    entries = SearchEntry.objects.visible_to(user).filter(content_type_id__in=content_types)
    found = backend.matching(entries, text)
    forwards = True
    if cursor:
        rank, pk, direction = _decode(key, cursor)
        forwards = direction == "n"
        if forwards:
            found = found.filter(Q(rank__lt=rank) | Q(rank=rank, pk__lt=pk))
        else:
            found = found.filter(Q(rank__gt=rank) | Q(rank=rank, pk__gt=pk))
    order = ["-rank", "-pk"] if forwards else ["rank", "pk"]
    rows = list(
        found.order_by(*order).values("pk", "content_type_id", "object_id", "title", "rank")[
            : size + 1
        ]
    )
    more = len(rows) > size
    rows = rows[:size]
    if not forwards:
        rows.reverse()
    page = SearchPage(results=_results(rows, text, backend))
    if rows:
        first, last = rows[0], rows[-1]
        if forwards:
            page.next_cursor = _encode(key, last["rank"], last["pk"], "n") if more else None
            page.previous_cursor = _encode(key, first["rank"], first["pk"], "p") if cursor else None
        else:
            page.previous_cursor = _encode(key, first["rank"], first["pk"], "p") if more else None
            page.next_cursor = _encode(key, last["rank"], last["pk"], "n")
    return page


def _results(
    rows: list[dict[str, Any]], text: str, backend: _Postgres | _Sqlite
) -> list[SearchResult]:
    if not rows:
        return []
    ids = [row["pk"] for row in rows]
    # The page's entries were found through visible_to: their snippets are read by id.
    marked_up = {
        pk: (title_html, snippet_html)
        for pk, title_html, snippet_html in backend.snippets(
            SearchEntry.objects.unscoped("snippets of results found through visible_to").filter(
                pk__in=ids
            ),
            text,
        ).values_list("pk", "title_html", "snippet_html")
    }
    results = []
    for row in rows:
        model = ContentType.objects.get_for_id(row["content_type_id"]).model_class()
        title_html, snippet_html = marked_up.get(row["pk"], (row["title"], ""))
        results.append(
            SearchResult(
                kind=kind_of(model),
                kind_label=kind_label(model),
                id=row["object_id"],
                title=row["title"],
                title_html=marked(title_html),
                url=_url(model, row["object_id"]),
                snippet=marked(snippet_html),
                rank=float(row["rank"]),
            )
        )
    return results


def _url(model: Any, pk: int) -> str:
    try:
        return reverse(model.url_name("detail"), args=[pk])
    except NoReverseMatch:
        return ""
