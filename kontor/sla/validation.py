"""The checks of a calendar's and a policy's fields, shared by the services
(API) and the admin forms. Each ``clean_*`` returns the normalized value or
adds reasons to ``errors`` under the field's name."""

import datetime
import itertools
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any
from zoneinfo import available_timezones

import holidays

from kontor.sla.clock import WEEKDAYS
from kontor.sla.models import PRIORITIES, TARGET_KINDS

Errors = dict[str, list[str]]

_TIME = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$")
MAX_PERIODS_PER_DAY = 12
MAX_CLOSED_DAYS = 1000
# Ten years of minutes: more is a typing mistake, not a service level.
MAX_TARGET_MINUTES = 10 * 366 * 24 * 60


@lru_cache(maxsize=1)
def time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


@lru_cache(maxsize=1)
def supported_countries() -> dict[str, list[str]]:
    return holidays.list_supported_countries()


def clean_time_zone(errors: Errors, value: Any) -> str:
    if not isinstance(value, str) or value not in time_zones():
        errors.setdefault("time_zone", []).append(
            "is not an IANA time zone name (e.g. Europe/Berlin)"
        )
        return ""
    return value


def clean_country(errors: Errors, country: Any, subdivision: Any) -> tuple[str, str]:
    """An ISO 3166 country the holidays package knows ("" for no public
    holidays) and one of its subdivisions ("" for the national ones)."""
    country = (country or "").strip().upper() if isinstance(country, str | None) else None
    subdivision = (subdivision or "").strip() if isinstance(subdivision, str | None) else None
    if country is None:
        errors.setdefault("country", []).append("must be a text")
        return "", ""
    if subdivision is None:
        errors.setdefault("subdivision", []).append("must be a text")
        return country, ""
    if country and country not in supported_countries():
        errors.setdefault("country", []).append(
            "is not a country with known public holidays (ISO 3166 code, e.g. DE)"
        )
        return country, subdivision
    if subdivision:
        if not country:
            errors.setdefault("subdivision", []).append("needs a country")
            return country, subdivision
        known = {s.casefold(): s for s in supported_countries()[country]}
        if subdivision.casefold() not in known:
            examples = ", ".join(supported_countries()[country][:8]) or "none"
            errors.setdefault("subdivision", []).append(
                f"is not a subdivision of {country} (known: {examples}…)"
                if len(supported_countries()[country]) > 8
                else f"is not a subdivision of {country} (known: {examples})"
            )
            return country, subdivision
        subdivision = known[subdivision.casefold()]
    return country, subdivision


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def clean_hours(errors: Errors, value: Any) -> dict[str, list[list[str]]]:
    """``{"mon": [["08:00", "12:00"], ["13:00", "17:00"]], …}``: HH:MM times
    (an end may be 24:00), start before end, no overlap; missing days are
    closed. At least one period in the week."""
    if not isinstance(value, Mapping):
        errors.setdefault("hours", []).append(
            'must be an object of weekdays, e.g. {"mon": [["08:00", "17:00"]]}'
        )
        return {}
    cleaned: dict[str, list[list[str]]] = {day: [] for day in WEEKDAYS}
    for day in value:
        if day not in WEEKDAYS:
            errors.setdefault(f"hours.{day}", []).append(
                f"is not a weekday ({', '.join(WEEKDAYS)})"
            )
    for day in WEEKDAYS:
        periods = value.get(day) or []
        field = f"hours.{day}"
        if not isinstance(periods, list) or len(periods) > MAX_PERIODS_PER_DAY:
            errors.setdefault(field, []).append(
                f"must be a list of at most {MAX_PERIODS_PER_DAY} [start, end] pairs"
            )
            continue
        spans = []
        for period in periods:
            if (
                not isinstance(period, list | tuple)
                or len(period) != 2
                or not all(isinstance(t, str) and _TIME.match(t) for t in period)
            ):
                errors.setdefault(field, []).append(
                    f'{period!r:.40} is not a ["HH:MM", "HH:MM"] pair'
                )
                continue
            start, end = _minutes(period[0]), _minutes(period[1])
            if period[0] == "24:00" or start >= end:
                errors.setdefault(field, []).append(
                    f"{period[0]}–{period[1]}: the start must be before the end"
                )
                continue
            spans.append((start, end, [period[0], period[1]]))
        spans.sort(key=lambda span: span[0])
        for before, after in itertools.pairwise(spans):
            if after[0] < before[1]:
                errors.setdefault(field, []).append(
                    f"{'–'.join(before[2])} and {'–'.join(after[2])} overlap"
                )
        cleaned[day] = [span[2] for span in spans]
    if (
        "hours" not in errors
        and not any(key.startswith("hours.") for key in errors)
        and not any(cleaned.values())
    ):
        errors.setdefault("hours", []).append("needs at least one open period in the week")
    return cleaned


def clean_closed_days(errors: Errors, value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_CLOSED_DAYS:
        errors.setdefault("closed_days", []).append(
            f"must be a list of at most {MAX_CLOSED_DAYS} dates (YYYY-MM-DD)"
        )
        return []
    days = set()
    for index, item in enumerate(value):
        try:
            if not isinstance(item, str | datetime.date):
                raise ValueError
            day = item if isinstance(item, datetime.date) else datetime.date.fromisoformat(item)
            if isinstance(item, str) and len(item) != 10:
                raise ValueError
        except ValueError:
            errors.setdefault(f"closed_days[{index}]", []).append("is not a date (YYYY-MM-DD)")
            continue
        days.add(day)
    return [day.isoformat() for day in sorted(days)]


def clean_targets(errors: Errors, value: Any) -> dict[str, dict[str, int]]:
    """``{"<priority>": {"first_response_minutes": n, "resolution_minutes": n}}``
    for priorities low, normal, high, urgent; a priority left out has no
    targets."""
    if not isinstance(value, Mapping):
        errors.setdefault("targets", []).append(
            'must be an object of priorities, e.g. {"normal": {"first_response_minutes": 240, '
            '"resolution_minutes": 2400}}'
        )
        return {}
    cleaned: dict[str, dict[str, int]] = {}
    for priority, target in value.items():
        field = f"targets.{priority}"
        if priority not in PRIORITIES:
            errors.setdefault(field, []).append(f"is not a priority ({', '.join(PRIORITIES)})")
            continue
        if not isinstance(target, Mapping):
            errors.setdefault(field, []).append(
                "must be an object with first_response_minutes and resolution_minutes"
            )
            continue
        for key in target:
            if key not in TARGET_KINDS:
                errors.setdefault(f"{field}.{key}", []).append(
                    "is not a target (first_response_minutes, resolution_minutes)"
                )
        minutes = {}
        for kind in TARGET_KINDS:
            number = target.get(kind)
            if (
                isinstance(number, bool)
                or not isinstance(number, int)
                or not 1 <= number <= MAX_TARGET_MINUTES
            ):
                errors.setdefault(f"{field}.{kind}", []).append(
                    f"must be a whole number of minutes from 1 to {MAX_TARGET_MINUTES}"
                )
                continue
            minutes[kind] = number
        if len(minutes) == len(TARGET_KINDS):
            if minutes["first_response_minutes"] > minutes["resolution_minutes"]:
                errors.setdefault(f"{field}.first_response_minutes", []).append(
                    "must not be longer than the resolution target"
                )
            cleaned[priority] = minutes
    return cleaned


def clean_tag(errors: Errors, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value.strip()) > 64:
        errors.setdefault("organization_tag", []).append(
            "must be a tag name (at most 64 characters)"
        )
        return None
    return value.strip() or None
