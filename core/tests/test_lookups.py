"""core.lookups: ``fixed_in`` writes a fixed set of choice keys into the SQL itself."""

from __future__ import annotations

import pytest

from core.tenancy.scoping import system_scope
from core.testing.sample.models import Room


def test_fixed_in_writes_the_values_sorted_into_the_sql_and_finds_the_same_rows(cast):
    with system_scope("test"):
        Room.objects.create(partner=cast.wcc, code="A", name="Annexe")
        Room.objects.create(partner=cast.wcc, code="B", name="Basement")
        Room.objects.create(partner=cast.wcc, code="C", name="Chamber")
        fixed = Room.objects.filter(code__fixed_in=["C", "A"])
        sql, params = fixed.query.sql_with_params()
        assert "IN ('A', 'C')" in sql
        assert list(params) == []
        assert sorted(fixed.values_list("code", flat=True)) == ["A", "C"]
        plain = Room.objects.filter(code__in=["C", "A"])
        assert sorted(plain.values_list("pk", flat=True)) == sorted(
            fixed.values_list("pk", flat=True)
        )


@pytest.mark.parametrize("value", ["it's", "a b", "x'); DROP TABLE t; --", ""])
def test_fixed_in_refuses_anything_but_choice_keys(cast, value):
    with system_scope("test"), pytest.raises(ValueError):
        list(Room.objects.filter(code__fixed_in=[value]))
