# Two narrowings of a search (docs/decisions/0042-search-narrows-inside-the-words-index.md):
#
# 1. `SearchEntry.restricted_partner`: the one council owning every restricted part of the
#    record (a ticket's internal notes), written with the restricted text; filled here for the
#    entries already written, from the parts' own tables (one UPDATE per kind with restricted
#    parts of one model; left empty otherwise, which only means each part is checked).
#
# 2. SQLite only: the FTS5 table over the search entries gets a third column, ``council``, holding
# the entry's council (``SearchEntry.partner``; 0 for an entry carrying none), so that a search
# narrowed to a reader's councils is intersected with the words' matches by FTS5 itself
# (core.search.query._fts5_match; docs/decisions/0042-search-narrows-inside-the-words-index.md).
# The words are searched in the title and body columns only. The table's content is read
# through a view giving that column (an external-content table reads its columns by name), and
# the triggers write it; the table is rebuilt from the entries, as they are. PostgreSQL:
# nothing (its narrowing is the entries' indexed council column). Reversible: the undo puts
# back migration 0005's table and triggers, rebuilt from the entries. A later migration that
# makes SQLite remake core_searchentry (most changes of a column) must drop the view, the
# triggers and the FTS5 table first and make them again after, as this one's undo does.

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import F, Max, Min, OuterRef, Q, Subquery

TOKENIZE = "tokenize='porter unicode61 remove_diacritics 2'"
DROP_TRIGGERS = [
    "DROP TRIGGER IF EXISTS core_searchentry_fts_update",
    "DROP TRIGGER IF EXISTS core_searchentry_fts_delete",
    "DROP TRIGGER IF EXISTS core_searchentry_fts_insert",
]

FORWARDS = [
    *DROP_TRIGGERS,
    "DROP TABLE IF EXISTS core_searchentry_fts",
    """
    CREATE VIEW core_searchentry_fts_content AS
    SELECT id, title, body, coalesce(partner_id, 0) AS council FROM core_searchentry
    """,
    f"""
    CREATE VIRTUAL TABLE core_searchentry_fts USING fts5(
        title, body, council, content='core_searchentry_fts_content', content_rowid='id',
        {TOKENIZE}
    )
    """,
    """
    CREATE TRIGGER core_searchentry_fts_insert AFTER INSERT ON core_searchentry BEGIN
        INSERT INTO core_searchentry_fts(rowid, title, body, council)
        VALUES (new.id, new.title, new.body, coalesce(new.partner_id, 0));
    END
    """,
    """
    CREATE TRIGGER core_searchentry_fts_delete AFTER DELETE ON core_searchentry BEGIN
        INSERT INTO core_searchentry_fts(core_searchentry_fts, rowid, title, body, council)
        VALUES ('delete', old.id, old.title, old.body, coalesce(old.partner_id, 0));
    END
    """,
    """
    CREATE TRIGGER core_searchentry_fts_update AFTER UPDATE OF title, body, partner_id
    ON core_searchentry BEGIN
        INSERT INTO core_searchentry_fts(core_searchentry_fts, rowid, title, body, council)
        VALUES ('delete', old.id, old.title, old.body, coalesce(old.partner_id, 0));
        INSERT INTO core_searchentry_fts(rowid, title, body, council)
        VALUES (new.id, new.title, new.body, coalesce(new.partner_id, 0));
    END
    """,
    "INSERT INTO core_searchentry_fts(core_searchentry_fts) VALUES ('rebuild')",
]

UNDO_VIEW = [
    *DROP_TRIGGERS,
    "DROP TABLE IF EXISTS core_searchentry_fts",
    "DROP VIEW IF EXISTS core_searchentry_fts_content",
]

BACKWARDS = [
    *DROP_TRIGGERS,
    "DROP TABLE IF EXISTS core_searchentry_fts",
    "DROP VIEW IF EXISTS core_searchentry_fts_content",
    f"""
    CREATE VIRTUAL TABLE core_searchentry_fts USING fts5(
        title, body, content='core_searchentry', content_rowid='id', {TOKENIZE}
    )
    """,
    """
    CREATE TRIGGER core_searchentry_fts_insert AFTER INSERT ON core_searchentry BEGIN
        INSERT INTO core_searchentry_fts(rowid, title, body)
        VALUES (new.id, new.title, new.body);
    END
    """,
    """
    CREATE TRIGGER core_searchentry_fts_delete AFTER DELETE ON core_searchentry BEGIN
        INSERT INTO core_searchentry_fts(core_searchentry_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
    END
    """,
    """
    CREATE TRIGGER core_searchentry_fts_update AFTER UPDATE ON core_searchentry BEGIN
        INSERT INTO core_searchentry_fts(core_searchentry_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
        INSERT INTO core_searchentry_fts(rowid, title, body)
        VALUES (new.id, new.title, new.body);
    END
    """,
    "INSERT INTO core_searchentry_fts(core_searchentry_fts) VALUES ('rebuild')",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for sql in statements:
                schema_editor.execute(sql)

    return run


def restricted_owners(apps, schema_editor):
    """Each entry of a record with restricted parts gets the one council owning them all."""
    from django.apps import apps as installed

    entry_model = apps.get_model("core", "SearchEntry")
    content_type_model = apps.get_model("contenttypes", "ContentType")
    kinds = (
        entry_model.objects.filter(has_restricted=True)
        .values_list("content_type_id", flat=True)
        .distinct()
    )
    for content_type in content_type_model.objects.filter(pk__in=list(kinds)):
        try:
            model = installed.get_model(content_type.app_label, content_type.model)
        except LookupError:
            continue
        spec = getattr(model, "search", None)
        parts = [p for p in getattr(spec, "parts", ()) if p.restricted is not None]
        if len(parts) != 1 or getattr(parts[0].part_model(), "ownership", None) != "partner":
            continue  # several kinds of restricted part, or parts no council owns: left empty
        part = parts[0]
        link = part.link_attname()
        owner = (
            part.part_model()
            .objects.unscoped("search index upkeep: the councils of restricted parts")
            .filter(**{link: OuterRef("object_id")})
            .filter(part.restricted)
            .order_by()
            .values(link)
            .annotate(lowest=Min("partner_id"), highest=Max("partner_id"))
            .filter(lowest=F("highest"))
            .values("lowest")[:1]
        )
        entry_model.objects.filter(content_type_id=content_type.pk).filter(
            Q(has_restricted=True) | Q(audience="restricted")
        ).update(restricted_partner_id=Subquery(owner))


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0007_search_entry_partner"),
        ("tenancy", "0003_audience"),
    ]

    operations = [
        # The words' index first: its new update trigger leaves it alone when only the
        # restricted parts' council is written; and, undone last, it is made again after the
        # column is removed (which on SQLite remakes the entries' table, and drops its triggers).
        migrations.RunPython(_run(FORWARDS), _run(BACKWARDS), elidable=False),
        migrations.AddField(
            model_name="searchentry",
            name="restricted_partner",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                help_text="The one council owning every restricted part of the record (its internal notes), written with the restricted text itself: a reader who sees every such part of that council needs no check of each part. Empty when there are none, several councils, or parts no council owns (each part is then checked).",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="tenancy.partner",
            ),
        ),
        # Undone before the column is removed (so done after it is added): SQLite remakes the
        # entries' table to remove a column, which it refuses while a view reads the table.
        migrations.RunPython(migrations.RunPython.noop, _run(UNDO_VIEW), elidable=False),
        migrations.RunPython(restricted_owners, migrations.RunPython.noop, elidable=True),
    ]
