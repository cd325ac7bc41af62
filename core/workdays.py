"""UK working days and working time: Monday to Friday, less each nation's bank holidays, and
working hours on top of them.

Bank holidays come from the `holidays` package (its data ships inside it: nothing is fetched),
by the nation a council keeps (`core.tenancy.choices.Nation`: ENG, WLS, SCT, NIR, the package's
own subdivision codes). Service-level clocks and anything else that counts working days or
hours use this: a `WorkingCalendar` (hours per weekday in a time zone, and a nation's bank
holidays) says when a number of working hours after a moment falls (`WorkingCalendar.add`) and
how much working time lies between two moments (`WorkingCalendar.between`). Times are aware;
the hours are local, so the clock changes of March and October move nothing a person sees (a
working day is 09:00 to 17:00 on both sides of them).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.utils import timezone


@lru_cache(maxsize=128)
def _holidays_of(nation: str, year: int) -> dict[datetime.date, str]:
    calendar = holidays.country_holidays("GB", subdiv=nation, years=year)
    return dict(calendar.items())


def bank_holidays(
    nation: str, start: datetime.date, end: datetime.date
) -> list[tuple[datetime.date, str]]:
    """The bank holidays of `nation` from `start` to `end` (both included), in date order."""
    found: list[tuple[datetime.date, str]] = []
    for year in range(start.year, end.year + 1):
        found.extend(
            (day, name) for day, name in _holidays_of(nation, year).items() if start <= day <= end
        )
    return sorted(found)


def is_bank_holiday(day: datetime.date, nation: str) -> bool:
    return day in _holidays_of(nation, day.year)


def is_working_day(day: datetime.date, nation: str) -> bool:
    """Monday to Friday and not one of `nation`'s bank holidays."""
    return day.weekday() < 5 and not is_bank_holiday(day, nation)


def next_working_day(day: datetime.date, nation: str) -> datetime.date:
    """`day` itself if it is a working day, else the first working day after it."""
    while not is_working_day(day, nation):
        day += datetime.timedelta(days=1)
    return day


def upcoming_bank_holidays(
    nation: str, count: int = 3, today: datetime.date | None = None
) -> list[tuple[datetime.date, str]]:
    """The next `count` bank holidays `nation` keeps, from `today` (a council's, by its nation)."""
    start = today or timezone.localdate()
    return bank_holidays(nation, start, start + datetime.timedelta(days=400))[:count]


# Working time -------------------------------------------------------------------------------

NINE, FIVE = datetime.time(9), datetime.time(17)
#: Monday to Friday, 09:00 to 17:00: the working hours of a calendar nobody has changed.
OFFICE_HOURS: tuple[tuple[datetime.time, datetime.time] | None, ...] = (
    *((NINE, FIVE),) * 5,
    None,
    None,
)
#: How far `WorkingCalendar.add` looks for working time before deciding there is none.
SEARCH_DAYS = 366 * 5
#: The most working hours anyone asks to add (two years of office hours, and more).
MAX_WORKING_HOURS = 5000


class NoWorkingTime(ValueError):
    """A calendar with no working hours in the years searched: no due time can be worked out."""


@dataclass(frozen=True)
class WorkingCalendar:
    """When people work: hours per weekday (Monday first; None for a day off) in a time zone,
    less the bank holidays of a nation.

    Hashable, so that the intervals of a day can be remembered across the many tickets that
    share a calendar.
    """

    nation: str = "ENG"
    hours: tuple[tuple[datetime.time, datetime.time] | None, ...] = OFFICE_HOURS
    zone: str = "Europe/London"
    _tz: ZoneInfo = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        if len(self.hours) != 7:
            raise ValueError("A working calendar gives the hours of each of the 7 weekdays")
        for day in self.hours:
            if day is not None and not day[0] < day[1]:
                raise ValueError("A working day must end after it starts")
        object.__setattr__(self, "_tz", ZoneInfo(self.zone))

    @property
    def weekly_hours(self) -> datetime.timedelta:
        """The working time of a week with no bank holiday."""
        total = datetime.timedelta()
        for day in self.hours:
            if day is not None:
                start, end = day
                total += datetime.datetime.combine(
                    datetime.date.min, end
                ) - datetime.datetime.combine(datetime.date.min, start)
        return total

    def interval(self, day: datetime.date) -> tuple[datetime.datetime, datetime.datetime] | None:
        """The working time of one local day as aware moments, or None on a day off."""
        return _interval(self, day)

    def intervals(
        self, start: datetime.date
    ) -> Iterator[tuple[datetime.datetime, datetime.datetime]]:
        """The working intervals of each day from `start` on (at most SEARCH_DAYS days)."""
        day = start
        for _ in range(SEARCH_DAYS):
            interval = _interval(self, day)
            if interval is not None:
                yield interval
            day += datetime.timedelta(days=1)

    def add(self, start: datetime.datetime, duration: datetime.timedelta) -> datetime.datetime:
        """The moment `duration` of working time after `start` (an aware datetime).

        A start outside working hours counts from the next working moment; a zero duration
        gives that moment. Raises `NoWorkingTime` if the calendar has none in SEARCH_DAYS.
        """
        if start.tzinfo is None:
            raise ValueError("Working time is counted from an aware datetime")
        if duration < datetime.timedelta():
            raise ValueError("Working time cannot be counted backwards")
        left = duration
        local_day = start.astimezone(self._tz).date()
        for open_at, close_at in self.intervals(local_day):
            begin = max(open_at, start)
            if begin >= close_at:
                continue
            available = close_at - begin
            if left <= available:
                return (begin + left).astimezone(start.tzinfo)
            left -= available
        raise NoWorkingTime(f"No working time in {SEARCH_DAYS} days from {start.isoformat()}")

    def between(self, start: datetime.datetime, end: datetime.datetime) -> datetime.timedelta:
        """The working time from `start` to `end` (nothing if `end` is not after `start`)."""
        if end <= start:
            return datetime.timedelta()
        total = datetime.timedelta()
        last_day = end.astimezone(self._tz).date()
        day = start.astimezone(self._tz).date()
        while day <= last_day:
            interval = _interval(self, day)
            if interval is not None:
                open_at, close_at = interval
                overlap = min(close_at, end) - max(open_at, start)
                if overlap > datetime.timedelta():
                    total += overlap
            day += datetime.timedelta(days=1)
        return total


@lru_cache(maxsize=65536)
def _interval(
    calendar: WorkingCalendar, day: datetime.date
) -> tuple[datetime.datetime, datetime.datetime] | None:
    hours = calendar.hours[day.weekday()]
    if hours is None or is_bank_holiday(day, calendar.nation):
        return None
    tz = calendar._tz
    open_at = datetime.datetime.combine(day, hours[0], tzinfo=tz)
    close_at = datetime.datetime.combine(day, hours[1], tzinfo=tz)
    # In UTC: Python compares and subtracts two times of the same zone by their wall clocks,
    # which is an hour out across a clock change; instants in UTC are never.
    return (
        open_at.astimezone(datetime.UTC),
        close_at.astimezone(datetime.UTC),
    )


def working_calendar(nation: str) -> WorkingCalendar:
    """The default working calendar of a nation: office hours, Europe/London."""
    return WorkingCalendar(nation=nation)
