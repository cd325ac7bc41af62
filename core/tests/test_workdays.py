"""UK working days by nation: weekends and each nation's own bank holidays."""

from __future__ import annotations

import datetime

import pytest

from core.workdays import bank_holidays, is_working_day, next_working_day

D = datetime.date


def test_each_nation_keeps_its_own_bank_holidays() -> None:
    # St Andrew's Day is Scotland's; the Battle of the Boyne is Northern Ireland's; the
    # first Monday of August is Scotland's summer holiday, the last is England's and Wales's.
    assert not is_working_day(D(2027, 11, 30), "SCT")
    assert is_working_day(D(2027, 11, 30), "ENG")
    assert not is_working_day(D(2027, 7, 12), "NIR")
    assert is_working_day(D(2027, 7, 12), "WLS")
    assert not is_working_day(D(2027, 8, 2), "SCT")
    assert is_working_day(D(2027, 8, 2), "ENG")
    assert not is_working_day(D(2027, 8, 30), "ENG")
    assert not is_working_day(D(2027, 8, 30), "WLS")


@pytest.mark.parametrize("nation", ["ENG", "WLS", "SCT", "NIR"])
def test_christmas_and_weekends_are_not_working_days(nation: str) -> None:
    assert not is_working_day(D(2026, 12, 25), nation)  # a Friday
    assert not is_working_day(D(2026, 12, 26), nation)  # a Saturday
    assert not is_working_day(D(2026, 12, 28), nation)  # Boxing Day, observed on the Monday
    assert next_working_day(D(2026, 12, 25), nation) == D(2026, 12, 29)
    assert next_working_day(D(2026, 12, 29), nation) == D(2026, 12, 29)


def test_bank_holidays_span_years_in_date_order() -> None:
    found = bank_holidays("ENG", D(2026, 12, 1), D(2027, 1, 31))
    days = [day for day, _name in found]
    assert days == sorted(days)
    assert D(2026, 12, 25) in days and D(2027, 1, 1) in days
    assert all(D(2026, 12, 1) <= day <= D(2027, 1, 31) for day in days)
    assert dict(found)[D(2026, 12, 25)] == "Christmas Day"
