"""No table keeps an index another of its indexes already is (core.indexes, concord.E005)."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from django.apps import apps
from django.db import connection, models
from django.test.utils import isolate_apps

from core.checks import check_indexes
from core.indexes import _covers, concord_model, covered_indexes
from core.models import ChangeRecord, ChangeRecordPartner
from core.tenancy.records import OwnerShare, PartnerOwnedModel
from core.testing.sample.models import Room


def indexed(model: Any, name: str) -> bool:
    """Whether the field `name` of `model` is made with an index of its own."""
    field: Any = model._meta.get_field(name)
    return bool(field.db_index)


def test_a_btree_covers_what_its_leading_columns_serve():
    a, b, c = ("a", False), ("b", False), ("c", False)
    assert _covers((a, b), (a,))
    assert _covers((("a", True), b), (a,))  # one column: read either way
    assert _covers((a, b, c), (a, b))
    assert not _covers((a, ("b", True), c), (a, b))  # two columns: their directions count
    assert not _covers((b, a), (a,))
    assert not _covers((a,), (a, b))
    assert not _covers((a, b), ())


@isolate_apps("core.testing.sample")
def test_a_field_a_composite_index_or_unique_constraint_starts_with_gets_no_index_of_its_own():
    class Plan(PartnerOwnedModel):
        area: ClassVar[str] = "estate"
        code = models.CharField(max_length=10, db_index=True)
        owner = models.ForeignKey("tenancy.User", on_delete=models.CASCADE)
        reviewer = models.ForeignKey("tenancy.User", on_delete=models.CASCADE, related_name="+")
        kept = models.ForeignKey("tenancy.Partner", on_delete=models.CASCADE, related_name="+")

        class Meta:
            app_label = "sample"
            constraints = [
                models.UniqueConstraint(fields=["partner", "code"], name="plan_unique_code"),
                # A partial constraint serves only its rows: it covers nothing.
                models.UniqueConstraint(
                    fields=["kept", "code"], condition=models.Q(code="x"), name="plan_partial"
                ),
            ]
            indexes = [
                models.Index(fields=["owner", "-code"], name="plan_owner"),
                models.Index(fields=["code", "id"], name="plan_code"),
            ]

    fields = {f.name: indexed(Plan, f.name) for f in Plan._meta.local_concrete_fields}
    assert fields["partner"] is False  # the unique constraint starts with it
    assert fields["owner"] is False  # plan_owner starts with it
    assert fields["code"] is False  # plan_code starts with it
    assert fields["reviewer"] is True  # nothing else starts with it
    assert fields["kept"] is True  # only a partial constraint does
    assert covered_indexes(Plan) == []


@isolate_apps("core.testing.sample")
def test_a_declared_index_another_starts_with_is_named_by_the_check():
    class Ledger(PartnerOwnedModel):
        area: ClassVar[str] = "finance"
        year = models.IntegerField()
        code = models.CharField(max_length=10)

        class Meta:
            app_label = "sample"
            constraints = [
                models.UniqueConstraint(fields=["partner", "year", "code"], name="ledger_unique")
            ]
            indexes = [
                models.Index(fields=["partner", "year"], name="ledger_partner_year"),
                models.Index(fields=["code", "year"], name="ledger_code_year"),
                models.Index(fields=["code", "year"], name="ledger_code_year_again"),
                models.Index(fields=["year", "-code"], name="ledger_year_code"),
                models.Index(fields=["year", "code"], name="ledger_year_code_up"),
            ]

    assert covered_indexes(Ledger) == [
        ("index ledger_partner_year", "constraint ledger_unique"),
        ("index ledger_code_year_again", "index ledger_code_year"),
    ]


def test_no_concord_model_keeps_a_covered_index():
    assert check_indexes() == []
    # What the write paths measured in docs/performance.md touch.
    assert indexed(Room, "partner") is False  # room_partner_name_id starts with it
    assert indexed(OwnerShare, "content_type") is False
    assert indexed(ChangeRecord, "content_type") is False
    assert indexed(ChangeRecordPartner, "change") is False
    assert indexed(ChangeRecordPartner, "partner") is False
    # An index nothing else serves is kept.
    assert indexed(ChangeRecord, "actor") is True


def test_libraries_models_are_left_as_they_are():
    group_permissions = apps.get_model("auth", "Group").permissions.through
    assert not concord_model(group_permissions)
    assert indexed(group_permissions, "group") is True


@pytest.mark.django_db
def test_no_table_in_the_database_has_an_index_another_of_its_indexes_starts_with():
    """As migrated, on this database: the migrations dropped what the models no longer make."""
    found = []
    with connection.cursor() as cursor:
        for model in apps.get_models():
            if not concord_model(model) or model._meta.proxy or not model._meta.managed:
                continue
            table = model._meta.db_table
            constraints = connection.introspection.get_constraints(cursor, table)
            plain = {
                name: tuple(c["columns"])
                for name, c in constraints.items()
                if c["index"] and c["columns"] and not c["primary_key"] and None not in c["columns"]
            }
            for name, columns in plain.items():
                if constraints[name]["unique"] or len(columns) != 1 or name.endswith("_like"):
                    # A unique field's second index on PostgreSQL, for LIKE 'x%' (its operator
                    # class, varchar_pattern_ops, is what no other index has).
                    continue
                for other, wider in plain.items():
                    if other != name and len(wider) > 1 and wider[0] == columns[0]:
                        found.append(f"{table}.{name} ({columns[0]}) beside {other}")
                        break
    assert found == []


def _room_partner_indexes() -> list[str]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, "sample_room")
    return sorted(
        name
        for name, c in found.items()
        if c["index"] and not c["unique"] and c["columns"] == ["partner_id"]
    )


@pytest.mark.django_db(transaction=True)
def test_the_migration_operation_drops_and_makes_the_index_alone():
    """On SQLite too: no table remade (its rows and the views on it are left be)."""
    from django.db.migrations.executor import MigrationExecutor

    from core.migration_operations import AlterFieldIndex
    from core.testing.sample.models import Room

    state = MigrationExecutor(connection).loader.project_state(
        ("sample", "0004_drop_covered_indexes")
    )
    partner: Any = Room._meta.get_field("partner")
    field = partner.clone()
    field.db_index = True
    operation = AlterFieldIndex("room", "partner", field=field)
    indexed = state.clone()
    operation.state_forwards("sample", indexed)
    assert _room_partner_indexes() == []
    with connection.schema_editor() as editor:
        operation.database_forwards("sample", editor, state, indexed)
    assert len(_room_partner_indexes()) == 1
    with connection.schema_editor() as editor:
        operation.database_backwards("sample", editor, indexed, state)
    assert _room_partner_indexes() == []

    changed = partner.clone()
    changed.db_index = True
    changed.null = True
    with pytest.raises(ValueError, match="index alone"):
        other = state.clone()
        AlterFieldIndex("room", "partner", field=changed).state_forwards("sample", other)
        with connection.schema_editor() as editor:
            AlterFieldIndex("room", "partner", field=changed).database_forwards(
                "sample", editor, state, other
            )


def _room_reloptions() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'sample_room'")
        return list(cursor.fetchone()[0] or [])


@pytest.mark.django_db(transaction=True)  # SQLite's schema editor needs no transaction open
def test_postgresql_only_sql_runs_there_and_is_passed_by_elsewhere():
    from django.db.migrations.state import ProjectState

    from core.migration_operations import PostgreSQLOnly

    operation = PostgreSQLOnly(
        sql="ALTER TABLE sample_room SET (autovacuum_vacuum_scale_factor = 0.05)",
        reverse_sql="ALTER TABLE sample_room RESET (autovacuum_vacuum_scale_factor)",
    )
    state = ProjectState()
    with connection.schema_editor(atomic=False) as editor:
        operation.database_forwards("sample", editor, state, state)  # SQLite: no such syntax
    if connection.vendor == "postgresql":
        assert _room_reloptions() == ["autovacuum_vacuum_scale_factor=0.05"]
    with connection.schema_editor(atomic=False) as editor:
        operation.database_backwards("sample", editor, state, state)
    if connection.vendor == "postgresql":
        assert _room_reloptions() == []
