"""On PostgreSQL, autovacuum visits the ticket table after a hundredth of its rows change
(servicedesk/migrations/0016), so that the open tickets' counts stay an index-only scan."""

from __future__ import annotations

import pytest
from django.db import connection


@pytest.mark.django_db
def test_autovacuum_visits_the_ticket_table_after_a_hundredth_of_it_changes() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("autovacuum is PostgreSQL's; SQLite has no such setting")
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'servicedesk_ticket'")
        options = set(cursor.fetchone()[0])
    assert options == {
        "autovacuum_vacuum_scale_factor=0.01",
        "autovacuum_vacuum_insert_scale_factor=0.01",
        "autovacuum_analyze_scale_factor=0.01",
    }
