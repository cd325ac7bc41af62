"""The open tickets' partial indexes (Ticket.Meta.indexes) are usable on SQLite: the desk's
queries write the open statuses as the indexes' condition says them (core.lookups.fixed_in)."""

from __future__ import annotations

import pytest
from django.db import connection

from core.tenancy.scoping import system_scope
from servicedesk.choices import OPEN_STATUS_LIST
from servicedesk.models import Ticket


def test_an_open_tickets_query_says_the_partial_indexs_condition_as_written(cast):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's rule: the index's condition must be written in the query")
    with connection.cursor() as cursor:
        cursor.execute("SELECT sql FROM sqlite_master WHERE name = 'ticket_open_due'")
        (index_sql,) = cursor.fetchone()
    condition = index_sql.split(" WHERE ", 1)[1]
    in_list = condition[condition.index("IN (") : condition.rindex(")")]
    with system_scope("test"):
        sql, _ = Ticket.objects.filter(status__fixed_in=OPEN_STATUS_LIST).query.sql_with_params()
    assert in_list in sql
