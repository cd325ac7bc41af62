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
is never a hit, a count or a snippet. docs/decisions/0018-full-text-search.md says why.

The package, by what makes each part change:

- `declarations`: what a model declares, and the registry of searchable models.
- `index`: the documents, written from the records and kept up to date on every write.
- `visibility`: which entries a person may match.
- `query`: the words, the databases' own full-text search, and a page of results.
"""

from __future__ import annotations

from core.search.declarations import (
    Searchable,
    SearchPart,
    all_kinds,
    kind_label,
    kind_of,
    kinds_for,
    searchable_models,
    spec_of,
)
from core.search.index import index_records, reindex, remove_records
from core.search.query import (
    BODY_WEIGHT,
    MAX_QUERY_LENGTH,
    RANKED_AT_MOST,
    TITLE_WEIGHT,
    SearchPage,
    SearchQueryError,
    SearchResult,
    any_words,
    choose_kinds,
    clean_query,
    fts5_query,
    marked,
    matching_ids,
    ranked,
    search,
)
from core.search.visibility import entry_visibility

__all__ = [
    "BODY_WEIGHT",
    "MAX_QUERY_LENGTH",
    "RANKED_AT_MOST",
    "TITLE_WEIGHT",
    "SearchPage",
    "SearchPart",
    "SearchQueryError",
    "SearchResult",
    "Searchable",
    "all_kinds",
    "any_words",
    "choose_kinds",
    "clean_query",
    "entry_visibility",
    "fts5_query",
    "index_records",
    "kind_label",
    "kind_of",
    "kinds_for",
    "marked",
    "matching_ids",
    "ranked",
    "reindex",
    "remove_records",
    "search",
    "searchable_models",
    "spec_of",
]
