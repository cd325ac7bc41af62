"""Generic test families: every model's pages and API, exercised by declaring a small class.

A model's test module subclasses `ModelFamily` and declares the model, who is who in the cast
and how to make sample data; pytest then collects, for that model, tests of the list, detail,
create, update, delete, history, export (CSV and XLSX) and import pages and of the API (its
export too), each as an anonymous visitor, as people who can see the record but lack the
permission ("denied"), as a permitted person (checking the change record names them) and as
another council's person (the "outsider": a 404 everywhere, and never a row, a search hit, a
dropdown option or an export row).
A model that declares itself searchable (``search``, core.search) also gets tests of full-text
search: found by whom sees it, never by the outsider, who finds their own council's record.
A model whose records take attachments (``attachable``) also gets tests of attaching, downloading
and deleting files on its records, in pages and API, as each of those people.
List pages and API lists have pinned query counts, so an N+1 fails a test; ``make pin-queries``
rewrites the pins when a change of count is intended (`pins`).

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
What each person may do is read from the grant table (core.tenancy.access), so a family checks
that pages and API obey it, and each declaration is checked against it too (a "permitted"
person who is not permitted is a broken declaration, not a passing test).

The package, by what makes each part change:

- `base`: the declarations, the cast's roles, `applies` and its conditions, helpers all share.
- `pages`: the list, detail, create, update, delete and history pages.
- `api`: the API's CRUD, ETags and If-Match, pagination, the change log.
- `export_import`: export and import, of the pages and the API, in CSV and XLSX.
- `attachments`: files attached to a model's records.
- `own`: records that are some people's own (a requester's tickets), seen by them alone.
- `search`: full-text search of a model that declares itself searchable (core.search).
- `registry`: which families exist, and which Concord models none declares.
- `pins`: the pinned query counts of lists, checked, and rewritten with ``--repin-queries``.
"""

from __future__ import annotations

from core.testing.families.api import ApiTests
from core.testing.families.attachments import AttachmentTests
from core.testing.families.base import (
    ALL_API,
    ALL_PAGES,
    REFUSED,
    SERVICE_CAST,
    FamilyBase,
    all_of,
    applies,
    assert_sign_in_redirect,
    change_records,
    content_of,
    council_permitted,
    csv_rows,
    formula_field,
    has_api,
    has_denied,
    has_outsider,
    has_page,
    has_text_column,
    imports,
    owned_by_one,
    results_of,
    unscoped,
    xlsx_rows,
)
from core.testing.families.export_import import ExportImportTests, csv_file, xlsx_file
from core.testing.families.own import OwnRecordTests
from core.testing.families.pages import PageTests
from core.testing.families.registry import (
    concrete_concord_models,
    declared_families,
    import_project_tests,
    models_without_family,
)
from core.testing.families.search import SearchTests

__all__ = [
    "ALL_API",
    "ALL_PAGES",
    "REFUSED",
    "SERVICE_CAST",
    "ApiTests",
    "AttachmentTests",
    "ExportImportTests",
    "FamilyBase",
    "ModelFamily",
    "OwnRecordTests",
    "PageTests",
    "SearchTests",
    "all_of",
    "applies",
    "assert_sign_in_redirect",
    "change_records",
    "concrete_concord_models",
    "content_of",
    "council_permitted",
    "csv_file",
    "csv_rows",
    "declared_families",
    "formula_field",
    "has_api",
    "has_denied",
    "has_outsider",
    "has_page",
    "has_text_column",
    "import_project_tests",
    "imports",
    "models_without_family",
    "owned_by_one",
    "results_of",
    "unscoped",
    "xlsx_file",
    "xlsx_rows",
]


class ModelFamily(
    PageTests,
    ApiTests,
    ExportImportTests,
    AttachmentTests,
    OwnRecordTests,
    SearchTests,
    FamilyBase,
):
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
      page and API list as the permitted person, with ``list_rows`` sample records
      (``make pin-queries`` writes them).
    - ``deletable``, ``known_gaps``, ``api``, ``own_person``, ``colleague``: see `FamilyBase`.

    Hooks (methods) to override: ``make`` (required), ``create_data`` and ``update_data``
    (required when the model can be created or edited), ``api_create_data`` /
    ``api_update_data`` (default: the form data), ``import_rows`` and ``bad_import_row``
    (models with import fields), ``sample`` and ``disposable`` (what is viewed and deleted).

    The tests come from one mixin per concern (`PageTests`, `ApiTests`, `ExportImportTests`,
    `AttachmentTests`, `OwnRecordTests`), each built on `FamilyBase`.
    """
