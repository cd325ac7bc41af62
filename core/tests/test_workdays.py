"""UK working days by nation: weekends and each nation's own bank holidays."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.workdays import (
    NoWorkingTime,
    WorkingCalendar,
    bank_holidays,
    is_working_day,
    next_working_day,
)

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


# Working time ------------------------------------------------------------------------------

LONDON = ZoneInfo("Europe/London")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime.datetime:
    """A London wall-clock time."""
    return datetime.datetime(year, month, day, hour, minute, tzinfo=LONDON)


H = datetime.timedelta(hours=1)


def test_working_hours_skip_evenings_and_weekends() -> None:
    office = WorkingCalendar()
    # Friday 16:00 + 3 working hours: one on Friday, two on Monday.
    assert office.add(at(2027, 1, 8, 16), 3 * H) == at(2027, 1, 11, 11)
    # From a Saturday, the clock starts on Monday at nine.
    assert office.add(at(2027, 1, 9, 12), 0 * H) == at(2027, 1, 11, 9)
    assert office.add(at(2027, 1, 9, 12), 8 * H) == at(2027, 1, 11, 17)
    # The end of one day is the start of the next: 8 hours from 09:00 is 17:00 the same day.
    assert office.add(at(2027, 1, 11, 9), 9 * H) == at(2027, 1, 12, 10)
    assert office.weekly_hours == 40 * H


def test_bank_holidays_are_each_nations_own() -> None:
    # St Andrew's Day (Tuesday 30 November 2027) is a holiday in Scotland only.
    start = at(2027, 11, 29, 16)
    assert WorkingCalendar(nation="ENG").add(start, 2 * H) == at(2027, 11, 30, 10)
    assert WorkingCalendar(nation="SCT").add(start, 2 * H) == at(2027, 12, 1, 10)
    # Easter Monday is England's and not Scotland's; Good Friday is everyone's.
    good_thursday = at(2027, 3, 25, 16)
    assert WorkingCalendar(nation="ENG").add(good_thursday, 2 * H) == at(2027, 3, 30, 10)
    assert WorkingCalendar(nation="SCT").add(good_thursday, 2 * H) == at(2027, 3, 29, 10)


def test_the_clock_changes_move_nothing_a_person_sees() -> None:
    office = WorkingCalendar()
    # Clocks go forward on Sunday 29 March 2026 and back on Sunday 25 October 2026.
    assert office.add(at(2026, 3, 27, 16), 2 * H) == at(2026, 3, 30, 10)
    assert office.add(at(2026, 3, 27, 16), 2 * H).utcoffset() == H  # BST on Monday
    assert office.add(at(2026, 10, 23, 16), 2 * H) == at(2026, 10, 26, 10)
    assert office.add(at(2026, 10, 23, 16), 2 * H).utcoffset() == datetime.timedelta(0)
    # A calendar that works on Sundays counts the short and the long day as they are.
    always = WorkingCalendar(hours=((datetime.time(0), datetime.time(23, 59)),) * 7)
    spring = always.between(at(2026, 3, 29, 0), at(2026, 3, 29, 12))
    autumn = always.between(at(2026, 10, 25, 0), at(2026, 10, 25, 12))
    assert spring == 11 * H and autumn == 13 * H


def test_between_counts_only_working_time() -> None:
    office = WorkingCalendar()
    assert office.between(at(2027, 1, 8, 16), at(2027, 1, 11, 11)) == 3 * H
    assert office.between(at(2027, 1, 9, 0), at(2027, 1, 10, 23)) == 0 * H
    assert office.between(at(2027, 1, 11, 11), at(2027, 1, 8, 16)) == 0 * H
    # Between a UTC start and a London end: the same instants, whatever zone names them.
    utc_start = at(2027, 6, 7, 9).astimezone(datetime.UTC)
    assert office.between(utc_start, at(2027, 6, 7, 17)) == 8 * H


def test_a_calendar_with_no_working_time_says_so() -> None:
    never = WorkingCalendar(hours=(None,) * 7)
    with pytest.raises(NoWorkingTime):
        never.add(at(2027, 1, 1, 9), H)
    with pytest.raises(ValueError):
        WorkingCalendar().add(datetime.datetime(2027, 1, 1, 9), H)  # naive
    with pytest.raises(ValueError):
        WorkingCalendar(hours=((datetime.time(17), datetime.time(9)),) * 7)


@given(
    start=st.datetimes(
        min_value=datetime.datetime(2026, 1, 1), max_value=datetime.datetime(2029, 12, 31)
    ),
    minutes=st.integers(min_value=0, max_value=60 * 200),
    nation=st.sampled_from(["ENG", "WLS", "SCT", "NIR"]),
)
def test_adding_then_measuring_gives_back_the_working_time(
    start: datetime.datetime, minutes: int, nation: str
) -> None:
    calendar = WorkingCalendar(nation=nation)
    begin = start.replace(tzinfo=LONDON)
    due = calendar.add(begin, datetime.timedelta(minutes=minutes))
    assert due >= begin
    assert calendar.between(begin, due) == datetime.timedelta(minutes=minutes)
