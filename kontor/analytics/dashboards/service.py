"""Ticket backlog and SLA adherence, over the tickets the user may read."""

import datetime
from typing import Any

from django.db.models import Count, F, Q
from django.utils.translation import gettext as _

from kontor.analytics.dashboards.base import Dashboard, check_team_filter, in_period, make_series
from kontor.analytics.filters import Filters
from kontor.service.models import DONE_STATUSES, Priority
from kontor.service.selectors import visible_tickets


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def service_dashboard(user: Any, filters: Filters, today: datetime.date) -> Dashboard:
    """Per priority: the backlog (tickets not resolved or closed) and how
    many of it breached its SLA; of the tickets opened in the period, the
    share answered and the share resolved within their targets (tickets
    with due times only). The team filter is the queue."""
    check_team_filter(filters)
    tickets = visible_tickets(user)
    if filters.team_id is not None:
        tickets = tickets.filter(team_id=filters.team_id)
    open_ = ~Q(status__in=DONE_STATUSES)
    rows = {
        row["priority"]: row
        for row in tickets.order_by()
        .values("priority")
        .annotate(
            backlog=Count("id", filter=open_),
            breached=Count("id", filter=open_ & Q(breached=True)),
            opened=Count("id", filter=in_period("created_at", filters)),
            responses_due=Count(
                "id",
                filter=in_period("created_at", filters)
                & Q(first_response_due_at__isnull=False, first_responded_at__isnull=False),
            ),
            responded_in_time=Count(
                "id",
                filter=in_period("created_at", filters)
                & Q(first_responded_at__lte=F("first_response_due_at")),
            ),
            resolutions_due=Count(
                "id",
                filter=in_period("created_at", filters)
                & Q(resolution_due_at__isnull=False, resolved_at__isnull=False),
            ),
            resolved_in_time=Count(
                "id",
                filter=in_period("created_at", filters)
                & Q(resolved_at__lte=F("resolution_due_at")),
            ),
        )
    }
    labels = list(Priority.values)

    def measure(key: str) -> dict[str, Any]:
        return {label: rows[label][key] for label in labels if label in rows}

    def share(part: str, whole: str) -> dict[str, Any]:
        return {
            label: _percent(rows[label][part], rows[label][whole]) if label in rows else None
            for label in labels
        }

    series = [
        make_series("backlog", _("Open tickets"), "count", labels, measure("backlog")),
        make_series("breached", _("Of them breached"), "count", labels, measure("breached")),
        make_series("opened", _("Opened in the period"), "count", labels, measure("opened")),
        make_series(
            "first_response_met",
            _("First response in time"),
            "percent",
            labels,
            share("responded_in_time", "responses_due"),
        ),
        make_series(
            "resolution_met",
            _("Resolved in time"),
            "percent",
            labels,
            share("resolved_in_time", "resolutions_due"),
        ),
    ]
    return Dashboard(
        "service",
        filters,
        labels,
        {value: str(label) for value, label in Priority.choices},
        series,
        extras={"period_of": "created_at"},
    )
