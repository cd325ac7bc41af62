"""A database made by an earlier layout of the migrations is refused plainly (core.layout)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from core.layout import unknown_migrations


@pytest.mark.django_db
def test_a_database_of_this_layout_has_no_unknown_migrations():
    assert unknown_migrations(connection) == []


@pytest.mark.django_db
def test_migrate_and_demo_refuse_a_database_of_an_earlier_layout_and_say_what_to_do():
    # What a database made before the tenancy kernel moved into core holds.
    MigrationRecorder(connection).record_applied("partners", "0001_initial")
    assert unknown_migrations(connection) == [("partners", "0001_initial")]
    for command in ("migrate", "demo"):
        with pytest.raises(CommandError) as refused:
            call_command(command, verbosity=0)
        message = str(refused.value)
        assert "earlier version of Concord" in message
        assert "partners.0001_initial" in message
        assert "make demo" in message
