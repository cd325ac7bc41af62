"""Searching: the words a person types (checked, and made into the database's query), the
databases' own full-text search (PostgreSQL ``websearch_to_tsquery``, ``ts_rank``,
``ts_headline``; SQLite FTS5 ``MATCH``, ``bm25``, ``snippet``, ``highlight``), and `search`,
one ranked page of results with escaped, marked snippets, paged by cursor."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import connection, models
from django.db.models import BooleanField, Case, F, FloatField, OuterRef, Q, Subquery, Value, When
from django.db.models.expressions import Expression, Func
from django.db.models.lookups import Lookup
from django.urls import NoReverseMatch, reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from core.models import FtsColumn, SearchEntry
from core.search.declarations import (
    all_kinds,
    kind_label,
    kind_of,
    searchable_models,
    spec_of,
)
from core.search.index import MARK_END, MARK_START
from core.search.visibility import entry_councils
from core.tenancy.validators import TextRule

#: The longest search a person may type, in characters.
MAX_QUERY_LENGTH = 200


class SearchQueryError(ValueError):
    """Words to search for that cannot be searched for, with what to do in words; `field` is
    the parameter at fault: ``q`` (the words), ``kind`` or ``cursor``."""

    def __init__(self, message: str, field: str = "q") -> None:
        super().__init__(message)
        self.field = field


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


# Ranking ------------------------------------------------------------------------------------
#
# One rule on both databases: a word in a record's title counts `TITLE_WEIGHT`, in its body
# `BODY_WEIGHT` (PostgreSQL: the document's weights A and B, ``ts_rank``'s weight array; SQLite:
# ``bm25``'s column weights), and each kind's rank is multiplied by its model's declared
# ``Searchable.boost``. So a help article whose title is the word ranks before a ticket that
# only mentions it in its text, whatever the database.

#: What a matched word counts in a record's title, and in its body (and parts).
TITLE_WEIGHT, BODY_WEIGHT = 1.0, 0.1
#: ``ts_rank``'s weights of the D, C, B and A parts of a document (only A and B are used), as
#: the array's text (a parameter of the query).
_PG_WEIGHTS = f"{{0, 0, {BODY_WEIGHT}, {TITLE_WEIGHT}}}"


def _boost() -> Any:
    """Each kind's declared boost, as an expression over the entries' content type (1 for a
    kind that declares none)."""
    whens = [
        When(content_type_id=ContentType.objects.get_for_model(model).pk, then=Value(spec.boost))
        for model in searchable_models()
        if (spec := spec_of(model)) is not None and spec.boost != 1.0
    ]
    if not whens:
        return Value(1.0, output_field=FloatField())
    return Case(*whens, default=Value(1.0), output_field=FloatField())


_TSQUERY = "websearch_to_tsquery('english'::regconfig, %s)"
_PG_TITLE = f"StartSel={MARK_START}, StopSel={MARK_END}, HighlightAll=true"
_PG_SNIPPET = (
    f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=30, MinWords=12, "
    'MaxFragments=2, FragmentDelimiter=" … "'
)


class _Postgres:
    def matching(self, queryset: Any, text: str, ranked: bool = True) -> Any:
        if not fts5_query(text):
            # Nothing to find, only words to leave out (``-printer``) or none at all: no result,
            # as on SQLite, rather than every record without them (a scan of the whole index).
            return queryset.none().annotate(rank=Value(0.0, output_field=FloatField()))
        found = queryset.filter(_Sql("{document} @@ " + _TSQUERY, [text], BooleanField()))
        if not ranked:
            return found
        return found.annotate(rank=self._score(text) * _boost())

    def _score(self, text: str) -> Any:
        # As double precision: a real read into Python would not compare equal again.
        return _Sql(
            "ts_rank(%s::float4[], {document}, " + _TSQUERY + ")::float8",
            [_PG_WEIGHTS, text],
            FloatField(),
        )

    def newest(self, queryset: Any, text: str, councils: frozenset[int] | None) -> Any:
        """The entries of `queryset` matching `text`, newest first (the councils are the
        entries' own column, already in `queryset`'s visibility)."""
        return self.matching(queryset, text, ranked=False).order_by("-pk")

    def ranking(
        self, queryset: Any, text: str, ids: list[int], councils: frozenset[int] | None
    ) -> Any:
        """The entries `ids` of `queryset` (the newest matches, found matching just now),
        ranked: read by id alone, without testing the words again (which made PostgreSQL
        intersect them with every match of a common word from the words' index)."""
        if not fts5_query(text):
            return self.matching(queryset.none(), text)
        return queryset.filter(pk__in=ids).annotate(rank=self._score(text) * _boost())

    def snippets(
        self, queryset: Any, text: str, ids: list[int], councils: frozenset[int] | None
    ) -> Any:
        """The title and a snippet of the entries `ids` of `queryset`, marked up."""
        return queryset.filter(pk__in=ids).annotate(
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


def _fts5_match(text: str, councils: frozenset[int] | None = None) -> str:
    """`text` as the FTS5 query over the entries' words (their title and body columns only:
    never the council column), and, given `councils`, only in entries carrying one of them
    (the FTS5 table's ``council`` column: the entry's council, 0 for none), so that FTS5
    intersects the words' matches with the councils' entries itself. Empty when `text` holds
    nothing to search for."""
    query = fts5_query(text)
    if not query:
        return ""
    query = "{title body} : (" + query + ")"
    if councils is not None:
        query += " AND council : (" + " OR ".join(f'"{int(c)}"' for c in sorted(councils)) + ")"
    return query


class _Sqlite:
    def matching(
        self,
        queryset: Any,
        text: str,
        ranked: bool = True,
        councils: frozenset[int] | None = None,
    ) -> Any:
        query = _fts5_match(text, councils)
        if not query:
            return queryset.none().annotate(rank=Value(0.0, output_field=FloatField()))
        if not ranked:
            return queryset.filter(fts__document__fts=query)
        bm25 = Func(
            F("fts__document"),
            Value(TITLE_WEIGHT),
            Value(BODY_WEIGHT),
            Value(0.0),  # the council column: a narrowing, never a word that ranks
            function="bm25",
            output_field=FloatField(),
        )
        # bm25 is smaller for a better match: the rank is its opposite, larger is better.
        return queryset.filter(fts__document__fts=query).annotate(
            rank=bm25 * Value(-1.0) * _boost()
        )

    def ranking(
        self, queryset: Any, text: str, ids: list[int], councils: frozenset[int] | None
    ) -> Any:
        """The entries `ids` (the newest matches, found through the reader's visibility) of
        `queryset`, ranked: FTS5 reads the words' matches between the lowest and highest of
        them only, narrowed to `councils` as they were found (a phrase of the council column,
        weighing nothing in bm25), rather than every match of a common word."""
        if not ids:
            return self.matching(queryset.none(), text)
        found = queryset.filter(pk__in=ids, fts__entry__gte=min(ids), fts__entry__lte=max(ids))
        return self.matching(found, text, councils=councils)

    def newest(self, queryset: Any, text: str, councils: frozenset[int] | None) -> Any:
        """The entries of `queryset` matching `text`, newest first: in the FTS5 table's own
        order (its rowid, the entry's id, descending), which FTS5 gives as it reads the words'
        matches, so that reading the newest stops once it has them rather than sorting every
        match; narrowed to `councils` inside the FTS5 query (`_fts5_match`)."""
        if councils is not None and not councils:
            return queryset.none()
        query = _fts5_match(text, councils)
        if not query:
            return queryset.none()
        return queryset.filter(fts__document__fts=query).order_by("-fts__entry")

    def snippets(
        self, queryset: Any, text: str, ids: list[int], councils: frozenset[int] | None
    ) -> Any:
        """The title and a snippet of the entries `ids` of `queryset`, marked up: FTS5 reads
        the words' matches between the lowest and highest of them only, narrowed to `councils`
        as they were found (a phrase of the council column, which marks nothing in a title or
        body), rather than every match of a common word."""
        query = _fts5_match(text, councils)
        if not ids or not query:
            return queryset.none()
        return self.marked_up(
            queryset.filter(pk__in=ids, fts__entry__gte=min(ids), fts__entry__lte=max(ids)), query
        )

    def marked_up(self, queryset: Any, query: str) -> Any:
        """`queryset`'s entries matching the FTS5 `query`, with their title and a snippet."""
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
    raise ImproperlyConfigured(
        f"Full-text search runs on PostgreSQL or SQLite, not {connection.vendor}: set "
        "DATABASE_URL to one of them (docs/deployment.md)"
    )


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
    """One page of results, best first, with cursors for the pages either side. `newest_only`
    when the words matched more records than are ranked (`RANKED_AT_MOST`): the results are
    the best of the newest that many, which the page and the API answer say."""

    results: list[SearchResult]
    next_cursor: str | None = None
    previous_cursor: str | None = None
    newest_only: bool = False

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


#: The most matches a search ranks: when the words match more records than this (a common
#: word over a million tickets), the newest this many the person sees are ranked and the
#: results say so (decision 0041). Ranking reads each match's words again, so its time grows
#: with the matches; this bounds it.
RANKED_AT_MOST = 2000


def newest_matches(found: Any) -> tuple[list[int], bool]:
    """The ids of the newest `RANKED_AT_MOST` entries of `found` (visible, matching, not yet
    ranked, newest first: the backend's `newest`), and whether there were more."""
    ids = list(found.values_list("pk", flat=True)[: RANKED_AT_MOST + 1])
    return ids[:RANKED_AT_MOST], len(ids) > RANKED_AT_MOST


#: The most words of a subject being typed that `any_words` searches for.
MAX_ANY_WORDS = 12


def any_words(text: str | None) -> str:
    """The words of `text` as a search for records with any of them, the more the better
    (``vpn or drops``): for suggestions while a person types a sentence, where every word
    (``cannot``, ``from``) need not be in what helps. Empty when `text` has no words."""
    words = [w for w in dict.fromkeys(_WORD.findall(text or "")) if w.lower() != "or"]
    return " or ".join(words[:MAX_ANY_WORDS])


def ranked(user: Any, queryset: Any, text: str | None, *, any_word: bool = False) -> Any:
    """`queryset` (of one searchable model, already scoped by the caller) narrowed to the
    records whose words, as `user` may read them, match `text`, best first, each with its
    ``search_rank`` (the rank `search` gives it). With `any_word`, a record matches on any of
    the words (`any_words`). Raises `SearchQueryError` for words that cannot be searched for;
    nothing matches words that hold nothing to search for."""
    model = queryset.model
    if spec_of(model) is None:
        raise ImproperlyConfigured(f"{model.__name__} declares no search (core.search)")
    text = any_words(clean_query(text)) if any_word else clean_query(text)
    if not text:
        return queryset.none()
    content_type = ContentType.objects.get_for_model(model)
    entries = SearchEntry.objects.visible_to(user).filter(
        content_type_id=content_type.pk, object_id=OuterRef("pk")
    )
    best = _backend().matching(entries, text).order_by("-rank").values("rank")[:1]
    return (
        queryset.annotate(search_rank=Subquery(best, output_field=FloatField()))
        .filter(search_rank__isnull=False)
        .order_by("-search_rank", "-pk")
    )


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
    # The councils whose entries the reader may match, as a narrowing the words' index takes
    # itself (SQLite); `entries` is still each entry's whole visibility rule.
    councils = entry_councils(user, chosen)
    ids, newest_only = newest_matches(backend.newest(entries, text, councils))
    # The entries were found through visible_to just now: they are ranked by id.
    chosen_entries = SearchEntry.objects.unscoped("ranking matches found through visible_to")
    found = backend.ranking(chosen_entries, text, ids, councils)
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
    page = SearchPage(results=_results(rows, text, backend, councils), newest_only=newest_only)
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
    rows: list[dict[str, Any]],
    text: str,
    backend: _Postgres | _Sqlite,
    councils: frozenset[int] | None = None,
) -> list[SearchResult]:
    if not rows:
        return []
    ids = [row["pk"] for row in rows]
    # The page's entries were found through visible_to: their snippets are read by id.
    marked_up = {
        pk: (title_html, snippet_html)
        for pk, title_html, snippet_html in backend.snippets(
            SearchEntry.objects.unscoped("snippets of results found through visible_to"),
            text,
            ids,
            councils,
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
