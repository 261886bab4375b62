"""A business calendar as the clock's CalendarSpec: its weekly hours in
minutes, its public holidays (from the ``holidays`` package) and closed days."""

import datetime
from collections.abc import Iterable
from functools import lru_cache

import holidays
from django.utils import timezone

from kontor.sla.clock import WEEKDAYS, CalendarSpec
from kontor.sla.models import BusinessCalendar

# Years of public holidays in a spec: from last year to some years ahead,
# enough for any due time the targets allow in practice.
YEARS_BACK = 1
YEARS_AHEAD = 3


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


@lru_cache(maxsize=256)
def public_holidays(
    country: str, subdivision: str, years: tuple[int, ...]
) -> frozenset[datetime.date]:
    if not country:
        return frozenset()
    return frozenset(holidays.country_holidays(country, subdiv=subdivision or None, years=years))


def calendar_spec(
    calendar: BusinessCalendar, *, years: Iterable[int] | None = None
) -> CalendarSpec:
    """The clock's view of ``calendar``; public holidays of ``years``
    (default: last year to three years ahead)."""
    if years is None:
        this_year = timezone.now().year
        years = range(this_year - YEARS_BACK, this_year + YEARS_AHEAD + 1)
    hours = tuple(
        tuple(
            (_minutes(start), _minutes(end))
            for start, end in sorted((calendar.hours or {}).get(day) or [])
        )
        for day in WEEKDAYS
    )
    closed = public_holidays(calendar.country, calendar.subdivision, tuple(years))
    closed |= {datetime.date.fromisoformat(day) for day in calendar.closed_days or []}
    return CalendarSpec(time_zone=calendar.time_zone, hours=hours, closed=frozenset(closed))
