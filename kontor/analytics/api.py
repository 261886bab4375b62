"""GET /api/v1/analytics/{dashboard}: the figures behind each dashboard;
GET /api/v1/deals/{deal_id}/score: an open deal's lead score."""

from django.http import HttpRequest
from ninja import Query, Router, Status

from kontor.analytics.dashboards import DASHBOARDS, dashboard
from kontor.analytics.filters import parse_filters
from kontor.analytics.presenting import as_json
from kontor.analytics.schemas import DashboardOut, DashboardParams, DealScoreOut
from kontor.analytics.scoring import scores_for
from kontor.core.db_router import replica_reads
from kontor.sales.selectors import deal_get

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
    with replica_reads(request.user):
        if dashboard_key not in DASHBOARDS:
            return Status(404, {"detail": "There is no such dashboard."})
        filters = parse_filters(params.model_dump())
        return as_json(dashboard(dashboard_key, user=request.user, filters=filters))


@router.get(
    "/deals/{deal_id}/score",
    response={200: DealScoreOut, 404: dict},
    summary="A deal's lead score",
    tags=["deals"],
)
def get_deal_score(request: HttpRequest, deal_id: str):
    """The open deal's lead score and its top three reasons. 404 for a deal
    the caller may not read, one without a score (closed, or not yet
    scored) and while lead scoring is off."""
    deal = deal_get(user=request.user, deal_id=deal_id)
    shown = scores_for([deal.pk]).get(deal.pk) if deal is not None else None
    if shown is None:
        return Status(404, {"detail": "This deal has no score."})
    return {
        "deal_id": str(deal.pk),
        "score": shown.score,
        "score_reasons": shown.reasons,
        "model_version": shown.model_version,
        "scored_at": shown.scored_at,
    }
