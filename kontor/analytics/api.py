"""GET /api/v1/analytics/{dashboard}: the figures behind each dashboard."""

from django.http import HttpRequest
from ninja import Query, Router, Status

from kontor.analytics.dashboards import DASHBOARDS, dashboard
from kontor.analytics.filters import parse_filters
from kontor.analytics.presenting import as_json
from kontor.analytics.schemas import DashboardOut, DashboardParams

router = Router(tags=["analytics"])


@router.get(
    "/analytics/{dashboard_key}",
    response={200: DashboardOut, 404: dict},
    summary="A dashboard's figures",
)
def get_dashboard(request: HttpRequest, dashboard_key: str, params: Query[DashboardParams]):
    """One of `pipeline`, `forecast`, `win-rate`, `leads`, `activities`,
    `payments`: series of points (label, value) over the records the caller
    may read. 422 for bad filters; 403 for a figure works-council mode
    forbids (a team below the minimum size, figures per user)."""
    if dashboard_key not in DASHBOARDS:
        return Status(404, {"detail": "There is no such dashboard."})
    filters = parse_filters(params.model_dump())
    return as_json(dashboard(dashboard_key, user=request.user, filters=filters))
