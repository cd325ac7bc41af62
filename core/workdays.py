"""UK working days: Monday to Friday, less each nation's bank holidays.

Bank holidays come from the `holidays` package (its data ships inside it: nothing is fetched),
by the nation a council keeps (`core.tenancy.choices.Nation`: ENG, WLS, SCT, NIR, the package's own
subdivision codes). Service-level clocks and anything else that counts working days use this.
"""

from __future__ import annotations

import datetime
from functools import lru_cache

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
