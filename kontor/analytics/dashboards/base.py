"""What every dashboard is made of (series of points per label) and the
rules they share: the period, the team filter and works-council mode."""

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kontor.access import works_council
from kontor.access.selectors import team_list
from kontor.analytics.filters import Filters
from kontor.core.exceptions import PermissionDenied

CENT = Decimal("0.01")
# Activities: without ``since``, this many weeks up to ``until`` (or today).
DEFAULT_WEEKS = 12
AGE_BUCKETS = ("0-30", "31-60", "61-90", ">90")
OTHER = "other"
NO_TEAM = "none"


@dataclass
class Point:
    label: str
    value: float | int | None


@dataclass
class Series:
    key: str
    name: str
    unit: str  # "count", "percent", "days" or a currency code
    points: list[Point] = field(default_factory=list)


@dataclass
class Dashboard:
    key: str
    filters: Filters
    labels: list[str]
    # A readable name for each label (a stage's or a team's name).
    label_names: dict[str, str]
    series: list[Series]
    extras: dict[str, Any] = field(default_factory=dict)
    # What the page says above the figures (e.g. works-council notes).
    notes: list[str] = field(default_factory=list)


def make_series(
    key: str, name: str, unit: str, labels: list[str], values: dict[str, Any]
) -> Series:
    return Series(key, name, unit, [Point(label, number(values.get(label, 0))) for label in labels])


def number(value: Any) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value.quantize(CENT))
    return value


def cents(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(CENT)


def start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def in_period(name: str, filters: Filters, *, dates: bool = False) -> Q:
    """``name`` within the period; a date column compares with the days, a
    date-time column with the days' starts in KONTOR_TIME_ZONE."""
    condition = Q()
    if filters.since:
        condition &= Q(**{f"{name}__gte": filters.since if dates else start_of(filters.since)})
    if filters.until:
        following = filters.until + datetime.timedelta(days=1)
        condition &= Q(**{f"{name}__lt": following if dates else start_of(following)})
    return condition


# Teams and works-council mode ----------------------------------------------------


def all_teams() -> list[tuple[Any, str, set[int]]]:
    return [(t.pk, t.name, {m.pk for m in t.members.all()}) for t in team_list()]


def team_members(team_id: Any) -> set[int]:
    return next((members for pk, _name, members in all_teams() if pk == team_id), set())


def check_team_filter(filters: Filters) -> set[int] | None:
    """The members of the filtered team (None: no team filter). Works-council
    mode refuses a team below the minimum size: its figures would be those
    of a few people."""
    if not filters.team_id:
        return None
    members = team_members(filters.team_id)
    if works_council.is_on() and len(members) < works_council.min_group():
        raise PermissionDenied(
            _("In works-council mode figures are shown for groups of at least %(size)s people.")
            % {"size": works_council.min_group()}
        )
    return members


def may_show_per_user() -> bool:
    """Figures per user: only with works-council mode off and the
    administrator's setting KONTOR_ANALYTICS_PER_USER on."""
    return works_council.may_show_per_employee() and bool(settings.KONTOR_ANALYTICS_PER_USER)


def money_series(
    rows: Iterable[dict[str, Any]],
    labels: list[str],
    label_of: Callable[[dict[str, Any]], str],
    measures: list[tuple[str, str, str]],
) -> list[Series]:
    """A series per measure and currency (sums never mix currencies):
    ``measures`` are (row field, key prefix, name)."""
    by_currency: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(dict)
    currencies: set[str] = set()
    for row in rows:
        currencies.add(row["currency"])
        for column, _prefix, _name in measures:
            values = by_currency[(column, row["currency"])]
            label = label_of(row)
            values[label] = values.get(label, Decimal(0)) + cents(row[column])
    series = []
    for column, prefix, name in measures:
        for currency in sorted(currencies):
            values = {k: cents(v) for k, v in by_currency[(column, currency)].items()}
            series.append(
                make_series(
                    f"{prefix}:{currency}", f"{name} ({currency})", currency, labels, values
                )
            )
    return series
