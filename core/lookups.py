"""Lookups of Concord's own, registered on Django's fields when core is ready.

``fixed_in``: ``status__fixed_in=["assigned", "new"]`` is ``status__in`` written with the values
in the SQL itself, sorted, instead of as parameters. It is for a fixed set of a model's own
choice values (a ticket's open statuses), so that SQLite can use a partial index whose condition
names the same set: SQLite uses a partial index only when the query's WHERE holds the index's
condition term for term, and a parameter (``status IN (?, ?)``) never matches the written values
of an index (``status IN ('assigned', 'new')``). PostgreSQL plans the two alike.

Only plain choice keys may be written so (letters, digits, ``_`` and ``-``); anything else
raises ValueError rather than reaching the SQL. Values from a person go through the field's
choices first (a filter's form does that), never straight here.
"""

from __future__ import annotations

import re
from typing import Any

from django.db.models import CharField
from django.db.models.lookups import In

#: What a fixed value may be made of: a choice key, nothing that needs quoting.
FIXED_VALUE = re.compile(r"[A-Za-z0-9_-]{1,100}")


@CharField.register_lookup
class FixedIn(In):
    """``IN`` with the values written into the SQL, sorted (see the module docstring)."""

    lookup_name = "fixed_in"

    def process_rhs(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        values = sorted({str(value) for value in self.rhs})
        if not values:
            raise ValueError("fixed_in needs at least one value")
        for value in values:
            if not FIXED_VALUE.fullmatch(value):
                raise ValueError(f"fixed_in takes choice keys only, not {value!r}")
        return "(" + ", ".join(f"'{value}'" for value in values) + ")", []
