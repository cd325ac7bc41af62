"""Migration operations of the foundation's own, for what Django's would do at too high a cost.

`AlterFieldIndex` changes whether a field has an index of its own (``db_index``) and nothing
else. Django's ``AlterField`` does that on PostgreSQL with one ``DROP INDEX`` or ``CREATE
INDEX``, but on SQLite by remaking the whole table (a new table, every row copied, the old one
dropped and the new renamed): minutes for a million tickets, and refused outright for a table a
view reads (the search index's full-text view reads ``core_searchentry``). This operation drops
or makes the index itself on every database; the migration state changes as ``AlterField``'s.
The indexes core.indexes leaves out are dropped with it (docs/decisions/0044).

`PostgreSQLOnly` runs its SQL on PostgreSQL and does nothing on SQLite: for settings that only
PostgreSQL has, such as a table's autovacuum thresholds.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.db.models import Index


class AlterFieldIndex(migrations.AlterField):
    """``AlterField`` for a field whose ``db_index`` alone changes: its index dropped or made."""

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        self._change_index(app_label, schema_editor, from_state, to_state)

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        self._change_index(app_label, schema_editor, from_state, to_state)

    def _change_index(self, app_label: str, editor: Any, from_state: Any, to_state: Any) -> None:
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(editor.connection.alias, model):
            return
        before = from_state.apps.get_model(app_label, self.model_name)._meta.get_field(self.name)
        after = model._meta.get_field(self.name)
        _, _, _, old = before.deconstruct()
        _, _, _, new = after.deconstruct()
        old.pop("db_index", None)
        new.pop("db_index", None)
        if old != new or before.column != after.column:
            raise ValueError(
                f"AlterFieldIndex changes {app_label}.{self.model_name}.{self.name}'s index "
                "alone; use AlterField for the rest of the change."
            )
        had = before.db_index and not before.unique
        has = after.db_index and not after.unique
        if had and not has:
            declared = {index.name for index in model._meta.indexes}
            names = editor._constraint_names(
                model,
                [after.column],
                index=True,
                unique=False,
                primary_key=False,
                type_=Index.suffix,
                exclude=declared,
            )
            for name in sorted(names):  # PostgreSQL's text columns have a second, _like
                editor.execute(editor._delete_index_sql(model, name))
        elif has and not had:
            for statement in editor._field_indexes_sql(model, after):
                editor.execute(statement)


class PostgreSQLOnly(migrations.RunSQL):
    """``RunSQL`` that runs on PostgreSQL only: elsewhere the migration passes it by."""

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
