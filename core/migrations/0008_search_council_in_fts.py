# SQLite only: the FTS5 table over the search entries gets a third column, ``council``, holding
# the entry's council (``SearchEntry.partner``; 0 for an entry carrying none), so that a search
# narrowed to a reader's councils is intersected with the words' matches by FTS5 itself
# (core.search.query._fts5_match; docs/decisions/0042-search-narrows-inside-the-words-index.md).
# The words are searched in the title and body columns only. The table's content is read
# through a view giving that column (an external-content table reads its columns by name), and
# the triggers write it; the table is rebuilt from the entries, as they are. PostgreSQL:
# nothing (its narrowing is the entries' indexed council column). Reversible: the undo puts
# back migration 0005's table and triggers, rebuilt from the entries.

from django.db import migrations

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


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0007_search_entry_partner"),
    ]

    operations = [
        migrations.RunPython(_run(FORWARDS), _run(BACKWARDS), elidable=False),
    ]
