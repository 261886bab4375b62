"""Activities per week per team (or per user, where allowed)."""

import datetime
from collections import defaultdict
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from kontor.access import works_council
from kontor.activities.selectors import (
    activities_hidden_by_restriction,
    activities_shared_beyond_owners,
    readable_by_owners,
    visible_activities,
)
from kontor.analytics.dashboards.base import (
    DEFAULT_WEEKS,
    NO_TEAM,
    OTHER,
    Dashboard,
    Series,
    all_teams,
    check_team_filter,
    make_series,
    may_show_per_user,
    start_of,
)
from kontor.analytics.filters import BY_USER, Filters
from kontor.analytics.models import ActivityDayCount
from kontor.analytics.rollup import refreshed_at
from kontor.core.exceptions import PermissionDenied
from kontor.core.users import user_name

# Activities -----------------------------------------------------------------------


def _activity_period(filters: Filters, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    until = filters.until or today
    since = filters.since or (until - datetime.timedelta(weeks=DEFAULT_WEEKS))
    # Whole weeks: from the Monday of the first.
    return since - datetime.timedelta(days=since.weekday()), until


def _monday(day: datetime.date) -> str:
    return (day - datetime.timedelta(days=day.weekday())).isoformat()


def _week(value: datetime.date | datetime.datetime) -> str:
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value.isoformat()


def activity_counts(
    user: Any, since: datetime.date, until: datetime.date, authors: set[int] | None
) -> tuple[dict[tuple[str, int | None], int], str]:
    """Activities per week (its Monday) and author that ``user`` may read:
    the rollup's rows whose owners the user reaches, plus, counted live, the
    activities only a share lets them read, less those about a person whose
    processing is restricted that the user does not see. Live altogether while the
    rollup has never been counted whole."""
    if refreshed_at() is None:
        return _live_counts(visible_activities(user), since, until, authors), "live"
    rows = ActivityDayCount.objects.filter(day__gte=since, day__lte=until)
    readable = readable_by_owners(
        user,
        author="author_id",
        contact_owner="contact_owner_id",
        organization_owner="organization_owner_id",
        about_contact=Q(about_contact=True),
    )
    if readable is not None:
        rows = rows.filter(readable)
    if authors is not None:
        rows = rows.filter(author_id__in=authors)
    # Grouped by day in the database (a plain column, no date function) and
    # folded into weeks here: at most seven rows a week and author.
    grouped = rows.order_by().values("day", "author_id").annotate(n=Sum("count"))
    counts: dict[tuple[str, int | None], int] = defaultdict(int)
    for row in grouped:
        counts[(_monday(row["day"]), row["author_id"])] += row["n"]
    shared = activities_shared_beyond_owners(user)
    if shared is not None:
        for key, n in _live_counts(shared, since, until, authors).items():
            counts[key] += n
    hidden = activities_hidden_by_restriction(user)
    if hidden is not None:
        for key, n in _live_counts(hidden, since, until, authors).items():
            counts[key] -= n
    return counts, "rollup"


def _live_counts(
    activities: QuerySet, since: datetime.date, until: datetime.date, authors: set[int] | None
) -> dict[tuple[str, int | None], int]:
    rows = activities.filter(
        occurred_at__gte=start_of(since),
        occurred_at__lt=start_of(until + datetime.timedelta(days=1)),
    )
    if authors is not None:
        rows = rows.filter(author_id__in=authors)
    grouped = (
        rows.order_by()
        .annotate(week=TruncWeek("occurred_at"))
        .values("week", "author_id")
        .annotate(n=Count("id"))
    )
    counts: dict[tuple[str, int | None], int] = defaultdict(int)
    for row in grouped:
        counts[(_week(row["week"]), row["author_id"])] += row["n"]
    return counts


def _weeks(since: datetime.date, until: datetime.date) -> list[str]:
    weeks, day = [], since
    while day <= until:
        weeks.append(day.isoformat())
        day += datetime.timedelta(days=7)
    return weeks


def activities_dashboard(user: Any, filters: Filters, today: datetime.date) -> Dashboard:
    """Activities per week per team (an activity counts for each team of its
    author); with per-user figures allowed and ``by=user``, per author."""
    members = check_team_filter(filters)
    if filters.by == BY_USER and not may_show_per_user():
        raise PermissionDenied(
            _(
                "Figures per user are off: works-council mode is on, or the administrator "
                "has not switched them on."
            )
        )
    since, until = _activity_period(filters, today)
    counts, source = activity_counts(user, since, until, members)
    labels = _weeks(since, until)
    notes: list[str] = []
    if filters.by == BY_USER:
        series = _per_user(counts, labels)
    else:
        series, notes = _per_team(counts, labels, filters)
    extras: dict[str, Any] = {
        "period": {"since": since.isoformat(), "until": until.isoformat()},
        "by": filters.by,
        "source": source,
        "per_user_allowed": may_show_per_user(),
        "works_council_mode": works_council.is_on(),
        "min_group": works_council.min_group(),
    }
    if source == "rollup":
        refreshed = refreshed_at()
        extras["rollup_refreshed_at"] = refreshed.isoformat() if refreshed else None
    return Dashboard(
        "activities", filters, labels, {w: w for w in labels}, series, extras=extras, notes=notes
    )


def _per_user(counts: dict[tuple[str, int | None], int], labels: list[str]) -> list[Series]:
    by_author: dict[int | None, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for (week, author), n in counts.items():
        by_author[author][week] += n
    users = {
        u.pk: user_name(u)
        for u in get_user_model().objects.filter(pk__in=[a for a in by_author if a])
    }
    series = []
    for author in sorted(by_author, key=lambda a: (a is None, users.get(a, ""), a or 0)):
        name = users.get(author, _("(no author)")) if author else _("(no author)")
        series.append(
            make_series(f"user:{author or NO_TEAM}", name, "count", labels, by_author[author])
        )
    return series


def _per_team(
    counts: dict[tuple[str, int | None], int], labels: list[str], filters: Filters
) -> tuple[list[Series], list[str]]:
    teams = all_teams()
    if filters.team_id:
        teams = [t for t in teams if t[0] == filters.team_id]
    teams_of: dict[int, list[Any]] = defaultdict(list)
    for pk, _name, members in teams:
        for member in members:
            teams_of[member].append(pk)
    minimum = works_council.min_group()
    small = {pk for pk, _n, members in teams if works_council.is_on() and len(members) < minimum}
    by_group: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    other_members: set[int] = set()
    for pk, _n, members in teams:
        if pk in small:
            other_members |= members
    for (week, author), n in counts.items():
        groups = teams_of.get(author, []) if author else []
        if not groups:
            if filters.team_id:
                continue
            by_group[OTHER if works_council.is_on() else NO_TEAM][week] += n
            if author:
                other_members.add(author)
            continue
        for team in groups:
            key = OTHER if team in small else str(team)
            by_group[key][week] += n
    series, notes = [], []
    for pk, name, _members in teams:
        if pk not in small:
            series.append(
                make_series(f"team:{pk}", name, "count", labels, by_group.get(str(pk), {}))
            )
    if works_council.is_on():
        if small or OTHER in by_group:
            if len(other_members) >= minimum:
                series.append(make_series(OTHER, _("Other"), "count", labels, by_group[OTHER]))
            else:
                notes.append(
                    _(
                        "Works-council mode: the other people together are fewer than "
                        "%(size)s, so their figures are left out."
                    )
                    % {"size": minimum}
                )
        if small:
            notes.append(
                _(
                    "Works-council mode: teams of fewer than %(size)s people are counted "
                    "under “Other”."
                )
                % {"size": minimum}
            )
    elif NO_TEAM in by_group:
        series.append(make_series(NO_TEAM, _("No team"), "count", labels, by_group[NO_TEAM]))
    return series, notes
