"""The figures behind each dashboard, aggregated in the database (one
GROUP BY per figure) over the records the user may read: deals and invoices
through the sales selectors, activities through the activities selector or,
for a user who may read every activity, the rollup (kontor.analytics.rollup).

Works-council mode (kontor.access.works_council): figures per team only, a
team below the minimum size merged into "other" (and "other" left out when
it is still too small), never figures per employee; a filter on a team
below the minimum is refused."""

import datetime
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from kontor.analytics.dashboards.activities import activities_dashboard
from kontor.analytics.dashboards.base import Dashboard, Point, Series, may_show_per_user
from kontor.analytics.dashboards.deals import (
    forecast_dashboard,
    leads_dashboard,
    pipeline_dashboard,
    win_rate_dashboard,
)
from kontor.analytics.dashboards.payments import payments_dashboard
from kontor.analytics.dashboards.service import service_dashboard
from kontor.analytics.filters import Filters

__all__ = ["DASHBOARDS", "Dashboard", "Point", "Series", "dashboard", "may_show_per_user"]

# The catalogue ---------------------------------------------------------------------

DASHBOARDS: dict[str, Callable[[Any, Filters, datetime.date], Dashboard]] = {
    "pipeline": pipeline_dashboard,
    "forecast": forecast_dashboard,
    "win-rate": win_rate_dashboard,
    "leads": leads_dashboard,
    "activities": activities_dashboard,
    "service": service_dashboard,
    "payments": payments_dashboard,
}


def dashboard(
    key: str, *, user: Any, filters: Filters, today: datetime.date | None = None
) -> Dashboard:
    return DASHBOARDS[key](user, filters, today or timezone.localdate())
