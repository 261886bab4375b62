"""The SLA clock against a reference that walks minute by minute: random
weekly hours, holidays and pauses, starts around the daylight-saving
changes of Europe/Berlin."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kontor.sla.clock import (
    CalendarSpec,
    NoBusinessHours,
    add_business_minutes,
    business_minutes_between,
    business_minutes_paused,
    due_at,
)

BERLIN = ZoneInfo("Europe/Berlin")
UTC = datetime.UTC
MINUTE = datetime.timedelta(minutes=1)
WORKDAY = ((8 * 60, 17 * 60),)
OFFICE = CalendarSpec("Europe/Berlin", (WORKDAY,) * 5 + ((), ()))


def berlin(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=BERLIN)


# The reference: minute by minute ---------------------------------------------------------


def is_open(spec: CalendarSpec, minute: datetime.datetime) -> bool:
    local = minute.astimezone(ZoneInfo(spec.time_zone))
    if local.date() in spec.closed:
        return False
    of_day = local.hour * 60 + local.minute
    return any(start <= of_day < end for start, end in spec.hours[local.weekday()])


def in_pause(minute: datetime.datetime, pauses) -> bool:
    return any(begin <= minute and (end is None or minute < end) for begin, end in pauses)


def reference_due(spec, start, minutes, pauses=(), limit=60 * 24 * 60):
    if minutes == 0:
        return start
    minute, counted = start, 0
    for _ in range(limit):
        if is_open(spec, minute) and not in_pause(minute, pauses):
            counted += 1
            if counted == minutes:
                return minute + MINUTE
        minute += MINUTE
    return None


def reference_between(spec, start, end):
    minute, counted = start, 0
    while minute < end:
        counted += is_open(spec, minute)
        minute += MINUTE
    return counted


# Strategies ----------------------------------------------------------------------------------


@st.composite
def day_hours(draw):
    """0-3 sorted, non-overlapping periods, on a 15-minute grid mostly and
    around 02:00-03:00 (the hour the clocks change) often."""
    points = draw(
        st.lists(
            st.one_of(
                st.integers(0, 96).map(lambda q: q * 15),
                st.integers(100, 200),  # 01:40-03:20
                st.integers(0, 1440),
            ),
            min_size=0,
            max_size=6,
            unique=True,
        )
    )
    points = sorted(points)
    if len(points) % 2:
        points = points[:-1]
    return tuple((points[i], points[i + 1]) for i in range(0, len(points), 2))


@st.composite
def calendars(draw):
    hours = draw(st.lists(day_hours(), min_size=7, max_size=7))
    if sum(end - start for day in hours for start, end in day) < 240:
        # Enough open time a week that the walk below reaches every target.
        hours[draw(st.integers(0, 6))] = ((60, 330),)
    first = datetime.date(2026, 3, 20)
    holidays = draw(
        st.frozensets(
            st.integers(0, 230).map(lambda d: first + datetime.timedelta(days=d)), max_size=6
        )
    )
    return CalendarSpec("Europe/Berlin", tuple(hours), holidays)


# Local starts around the changes: 29 March 2026 and 25 October 2026.
starts = st.one_of(
    st.integers(0, 4 * 24 * 60).map(
        lambda m: datetime.datetime(2026, 3, 27, tzinfo=UTC) + m * MINUTE
    ),
    st.integers(0, 4 * 24 * 60).map(
        lambda m: datetime.datetime(2026, 10, 23, tzinfo=UTC) + m * MINUTE
    ),
)


@st.composite
def pause_lists(draw, start):
    pauses = []
    for _ in range(draw(st.integers(0, 3))):
        begin = start + draw(st.integers(-120, 4000)) * MINUTE
        length = draw(st.one_of(st.none(), st.integers(0, 3000)))
        pauses.append((begin, None if length is None else begin + length * MINUTE))
    return pauses


@given(spec=calendars(), start=starts, minutes=st.integers(0, 1500))
def test_adding_business_minutes_matches_the_minute_by_minute_walk(spec, start, minutes):
    assert add_business_minutes(spec, start, minutes) == reference_due(spec, start, minutes)


@given(spec=calendars(), start=starts, length=st.integers(0, 5 * 24 * 60))
def test_counting_business_minutes_matches_the_minute_by_minute_walk(spec, start, length):
    end = start + length * MINUTE
    assert business_minutes_between(spec, start, end) == reference_between(spec, start, end)


@given(data=st.data(), spec=calendars(), start=starts, minutes=st.integers(0, 1200))
def test_pauses_stop_the_clock_as_the_minute_by_minute_walk_does(data, spec, start, minutes):
    pauses = data.draw(pause_lists(start))
    expected = reference_due(spec, start, minutes, pauses)
    assert due_at(spec, start, minutes, pauses) == expected


@given(data=st.data(), spec=calendars(), start=starts, minutes=st.integers(1, 1200))
def test_a_pause_extends_the_due_time_by_the_business_minutes_it_holds(data, spec, start, minutes):
    """The documented rule: due = add_business_minutes(start, target + paused)."""
    pauses = [p for p in data.draw(pause_lists(start)) if p[1] is not None and p[0] >= start]
    due = due_at(spec, start, minutes, pauses)
    assert due is not None
    paused = business_minutes_paused(spec, [(b, min(e, due)) for b, e in pauses if b < due], due)
    assert add_business_minutes(spec, start, minutes + paused) == due


# Examples that read as the rules ---------------------------------------------------------


@pytest.mark.parametrize("day", [berlin(2026, 3, 30), berlin(2026, 10, 26), berlin(2026, 3, 27)])
def test_a_workday_is_nine_hours_around_the_clock_changes_too(day):
    assert business_minutes_between(OFFICE, day, day + datetime.timedelta(days=1)) == 9 * 60


def test_a_period_across_the_change_counts_the_real_time_that_passes():
    night = CalendarSpec("Europe/Berlin", (((60, 240),),) * 7)  # 01:00-04:00 every day
    spring, autumn = berlin(2026, 3, 29), berlin(2026, 10, 25)
    assert business_minutes_between(night, spring, spring + datetime.timedelta(days=1)) == 120
    assert business_minutes_between(night, autumn, autumn + datetime.timedelta(days=1)) == 240


def test_friday_afternoon_goes_on_on_monday_morning():
    due = add_business_minutes(OFFICE, berlin(2026, 3, 27, 16, 0), 120)
    assert due.astimezone(BERLIN) == berlin(2026, 3, 30, 9, 0)


def test_a_target_used_up_at_closing_time_is_due_at_closing_time():
    due = add_business_minutes(OFFICE, berlin(2026, 6, 1, 8, 0), 9 * 60)
    assert due.astimezone(BERLIN) == berlin(2026, 6, 1, 17, 0)


def test_a_start_outside_the_hours_waits_for_the_opening():
    due = add_business_minutes(OFFICE, berlin(2026, 6, 6, 11, 0), 30)  # a Saturday
    assert due.astimezone(BERLIN) == berlin(2026, 6, 8, 8, 30)


def test_holidays_are_closed():
    spec = CalendarSpec("Europe/Berlin", OFFICE.hours, frozenset({datetime.date(2026, 6, 8)}))
    due = add_business_minutes(spec, berlin(2026, 6, 5, 16, 30), 60)
    assert due.astimezone(BERLIN) == berlin(2026, 6, 9, 8, 30)


def test_an_open_pause_stops_the_clock():
    start = berlin(2026, 6, 1, 8, 0)
    assert due_at(OFFICE, start, 60, [(berlin(2026, 6, 1, 8, 30), None)]) is None
    assert due_at(OFFICE, start, 20, [(berlin(2026, 6, 1, 8, 30), None)]) == berlin(
        2026, 6, 1, 8, 20
    )


def test_a_long_target_jumps_day_by_day():
    due = add_business_minutes(OFFICE, berlin(2026, 1, 5, 8, 0), 9 * 60 * 5 * 52)
    assert due.astimezone(BERLIN) == berlin(2027, 1, 1, 17, 0)


def test_other_time_zones_count_their_own_wall_clock():
    new_york = CalendarSpec("America/New_York", OFFICE.hours)
    due = add_business_minutes(new_york, datetime.datetime(2026, 6, 1, 12, 0, tzinfo=UTC), 60)
    assert due == datetime.datetime(2026, 6, 1, 13, 0, tzinfo=UTC)  # 08:00-09:00 EDT


def test_a_calendar_without_any_open_day_says_so():
    spec = CalendarSpec("Europe/Berlin", (WORKDAY,) + ((),) * 6,
                        frozenset(datetime.date(2026, 1, 5) + datetime.timedelta(weeks=w)
                                  for w in range(400)))  # fmt: skip
    with pytest.raises(NoBusinessHours):
        add_business_minutes(spec, berlin(2026, 1, 1), 10)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="aware"):
        add_business_minutes(OFFICE, datetime.datetime(2026, 6, 1, 8, 0), 10)
