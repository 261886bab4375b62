"""The SLA clock: business time on a calendar, as pure functions.

A business minute is a real minute during which the calendar's local
wall clock shows an open time: the local date is no holiday or closed day,
and the local time of day lies in one of that weekday's periods. So a day
open 08:00-17:00 in Europe/Berlin is nine hours on the days the clocks
change too (the change happens at night); a period that spans the change
counts the real time that passes (01:00-04:00 is two hours on the last
Sunday of March, when 02:00-03:00 does not exist, and four hours on the
last Sunday of October, when it happens twice).

Pauses (a ticket waiting for the customer): business minutes inside a pause
do not count. The due time of a target of N minutes is the moment at which
N business minutes outside every pause have passed since the start; that
equals ``add_business_minutes(start, N + the business minutes paused before
it)``. While a pause is still open (no end), a target it reaches first has
no due time.

The functions walk the calendar period by period (a day at a time), never
minute by minute."""

import datetime
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from zoneinfo import ZoneInfo

UTC = datetime.UTC
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 24 * 60
# No time zone is more than 14 hours ahead of or 12 behind UTC.
_MAX_AHEAD = datetime.timedelta(hours=14)
_HOUR = datetime.timedelta(hours=1)
_SECOND = datetime.timedelta(seconds=1)
# How long the clock looks for an open minute before it gives up (a calendar
# whose every day is closed).
_SEARCH_DAYS = 5 * 366

Period = tuple[int, int]  # minutes of the local day: start, end (1440: midnight)
Interval = tuple[datetime.datetime, datetime.datetime]
Pause = tuple[datetime.datetime, datetime.datetime | None]


class NoBusinessHours(ValueError):
    """The calendar has no open minute in the years ahead."""


@dataclass(frozen=True)
class CalendarSpec:
    """What the clock needs of a business calendar.

    ``hours``: seven tuples of periods, Monday first, each period the start
    and end minute of the local day (end 1440: until midnight), sorted and
    not overlapping. ``closed``: local dates without business hours (public
    holidays and the company's closed days)."""

    time_zone: str
    hours: tuple[tuple[Period, ...], ...]
    closed: frozenset[datetime.date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if len(self.hours) != 7:
            raise ValueError("hours needs seven days, Monday first")
        for periods in self.hours:
            previous_end = 0
            for start, end in periods:
                if not 0 <= start < end <= MINUTES_PER_DAY or start < previous_end:
                    raise ValueError(f"bad or overlapping period {start}-{end}")
                previous_end = end
        _zone(self.time_zone)  # an unknown time zone fails here, not later

    @property
    def zone(self) -> ZoneInfo:
        return _zone(self.time_zone)


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _utc(moment: datetime.datetime) -> datetime.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("the clock takes time-zone-aware datetimes only")
    return moment.astimezone(UTC)


def _offset(zone: ZoneInfo, moment: datetime.datetime) -> datetime.timedelta:
    return moment.astimezone(zone).utcoffset() or datetime.timedelta(0)


def _transition(
    zone: ZoneInfo, low: datetime.datetime, high: datetime.datetime
) -> datetime.datetime:
    """The first moment in (low, high] whose offset differs from low's."""
    before = _offset(zone, low)
    while high - low > _SECOND:
        middle = low + (high - low) / 2
        middle = middle.replace(microsecond=0)
        if middle <= low:
            break
        if _offset(zone, middle) == before:
            low = middle
        else:
            high = middle
    return high


def _segments(
    zone: ZoneInfo, begin: datetime.datetime, end: datetime.datetime
) -> Iterator[tuple[datetime.datetime, datetime.datetime, datetime.timedelta]]:
    """[begin, end) cut where the zone's UTC offset changes: (from, to, offset).
    Probes every hour: two changes within one hour would be missed."""
    cursor, offset = begin, _offset(zone, begin)
    low = begin
    while low < end:
        high = min(low + _HOUR, end)
        if _offset(zone, high) == offset:
            low = high
            continue
        change = _transition(zone, low, high)
        if change >= end:
            break
        yield cursor, change, offset
        cursor, offset, low = change, _offset(zone, change), change
    yield cursor, end, offset


def _period_intervals(zone: ZoneInfo, day: datetime.date, period: Period) -> list[Interval]:
    """The real (UTC) intervals during which the local clock shows a time of
    ``period`` on ``day``: usually one, two when the clocks go back inside
    it, none when the whole period does not exist that day."""
    midnight = datetime.datetime.combine(day, datetime.time())
    local_start = midnight + datetime.timedelta(minutes=period[0])
    local_end = midnight + datetime.timedelta(minutes=period[1])
    # Every instant showing a local time in [local_start, local_end) lies in
    # this window: no zone moves its clocks by three hours at once.
    window_start = local_start.replace(tzinfo=zone).astimezone(UTC) - 3 * _HOUR
    window_end = local_end.replace(tzinfo=zone, fold=1).astimezone(UTC) + 3 * _HOUR
    intervals = []
    for segment_start, segment_end, offset in _segments(zone, window_start, window_end):
        # Local time runs evenly inside a segment: local = UTC + offset.
        start = max(segment_start, (local_start - offset).replace(tzinfo=UTC))
        end = min(segment_end, (local_end - offset).replace(tzinfo=UTC))
        if start < end:
            intervals.append((start, end))
    return intervals


def open_intervals(spec: CalendarSpec, start: datetime.datetime) -> Iterator[Interval]:
    """The calendar's open time from ``start`` on, as UTC intervals in
    order (cut at ``start``); endless. Raises NoBusinessHours when there is
    no open minute in the next years."""
    zone = spec.zone
    start = _utc(start)
    day = start.astimezone(zone).date() - datetime.timedelta(days=1)
    pending: list[Interval] = []
    idle_days = 0
    while True:
        for period in spec.hours[day.weekday()] if day not in spec.closed else ():
            pending.extend(_period_intervals(zone, day, period))
        day += datetime.timedelta(days=1)
        # No period of a later day starts before this moment.
        bound = (datetime.datetime.combine(day, datetime.time()) - _MAX_AHEAD).replace(tzinfo=UTC)
        pending.sort()
        ready = [i for i in pending if i[0] < bound]
        pending = pending[len(ready) :]
        idle_days += 1
        for interval_start, interval_end in ready:
            if interval_end <= start:
                continue
            idle_days = 0
            yield max(interval_start, start), interval_end
        if idle_days > _SEARCH_DAYS:
            raise NoBusinessHours("the calendar has no business hours in the next five years")


def _without_pauses(intervals: Iterable[Interval], pauses: Sequence[Pause]) -> Iterator[Interval]:
    """``intervals`` minus ``pauses`` (sorted, merged; an open pause has no
    end and swallows everything after its start)."""
    pause_list = _merged(pauses)
    index = 0
    for start, end in intervals:
        cursor = start
        while cursor < end:
            while index < len(pause_list) and (
                pause_list[index][1] is not None and pause_list[index][1] <= cursor
            ):
                index += 1
            if index == len(pause_list):
                yield cursor, end
                break
            pause_start, pause_end = pause_list[index]
            if pause_start >= end:
                yield cursor, end
                break
            if pause_start > cursor:
                yield cursor, pause_start
            if pause_end is None:
                return
            cursor = max(cursor, pause_end)


def _merged(pauses: Sequence[Pause]) -> list[Pause]:
    ordered = sorted(
        ((_utc(begin), None if end is None else _utc(end)) for begin, end in pauses),
        key=lambda pause: pause[0],
    )
    merged: list[Pause] = []
    for begin, end in ordered:
        if end is not None and end <= begin:
            continue
        if merged and (merged[-1][1] is None or begin <= merged[-1][1]):  # type: ignore[operator]
            last_begin, last_end = merged[-1]
            if last_end is None or end is None:
                merged[-1] = (last_begin, None)
            else:
                merged[-1] = (last_begin, max(last_end, end))
        else:
            merged.append((begin, end))
    return merged


def _consume(intervals: Iterable[Interval], start: datetime.datetime, minutes: int):
    if minutes < 0:
        raise ValueError("minutes must not be negative")
    remaining = datetime.timedelta(minutes=minutes)
    if not remaining:
        return _utc(start)
    for interval_start, interval_end in intervals:
        length = interval_end - interval_start
        if length >= remaining:
            return interval_start + remaining
        remaining -= length
    return None


def add_business_minutes(
    spec: CalendarSpec, start: datetime.datetime, minutes: int
) -> datetime.datetime:
    """The moment at which ``minutes`` business minutes have passed since
    ``start`` (UTC; ``start`` itself for 0). A target used up exactly at
    closing time is due at closing time, not at the next opening."""
    due = _consume(open_intervals(spec, start), start, minutes)
    assert due is not None  # open_intervals is endless
    return due


def business_minutes_between(
    spec: CalendarSpec, start: datetime.datetime, end: datetime.datetime
) -> int:
    """Whole business minutes in [start, end) (0 when end is not after start)."""
    start, end = _utc(start), _utc(end)
    if end <= start:
        return 0
    total = datetime.timedelta(0)
    for interval_start, interval_end in open_intervals(spec, start):
        if interval_start >= end:
            break
        total += min(interval_end, end) - interval_start
    return int(total.total_seconds() // 60)


def due_at(
    spec: CalendarSpec,
    start: datetime.datetime,
    minutes: int,
    pauses: Sequence[Pause] = (),
) -> datetime.datetime | None:
    """The due time of a target of ``minutes`` business minutes from
    ``start``, the clock stopped during ``pauses`` ((begin, end) pairs, end
    None while the pause goes on). None when an open pause stops the clock
    before the target is used up."""
    return _consume(_without_pauses(open_intervals(spec, start), pauses), start, minutes)


def business_minutes_paused(
    spec: CalendarSpec, pauses: Sequence[Pause], until: datetime.datetime
) -> int:
    """Business minutes inside ``pauses`` before ``until`` (an open pause
    counts until ``until``)."""
    total = 0
    for begin, end in _merged(pauses):
        total += business_minutes_between(spec, begin, min(end or until, _utc(until)))
    return total
