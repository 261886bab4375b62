"""The Dashboards pages: a chart per unit (inline SVG), the table behind
it and a CSV download, with the same filters as the API."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from kontor.analytics.charts import charts
from kontor.analytics.dashboards import DASHBOARDS, dashboard, may_show_per_user
from kontor.analytics.filters import Filters, parse_filters
from kontor.analytics.forms import DashboardFilterForm
from kontor.analytics.presenting import as_csv, shown_rows
from kontor.core.db_router import reads_from_replica
from kontor.core.exceptions import FieldErrors, PermissionDenied

TITLES = {
    "pipeline": _("Pipeline"),
    "forecast": _("Forecast"),
    "win-rate": _("Win rate"),
    "leads": _("Leads"),
    "activities": _("Activities"),
    "service": _("Service"),
    "payments": _("Open payments"),
}
DESCRIPTIONS = {
    "pipeline": _(
        "Open deals of the pipeline by stage: how many, their amount and the amount "
        "weighted by their probability. The period filters the expected close date."
    ),
    "forecast": _(
        "Open deals by the month they are expected to close. The period filters the "
        "expected close date."
    ),
    "win-rate": _(
        "Closed deals by the month they closed: the share won and the average days from "
        "creation to a won close."
    ),
    "leads": _(
        "Deals created in the period by their source, and how many of them reached each "
        "stage of the pipeline."
    ),
    "activities": _(
        "Activities per week and team (an activity counts for each team of its author). "
        "Without a start: the last twelve weeks."
    ),
    "service": _(
        "Tickets by priority: the backlog (not resolved or closed) and how much of it "
        "breached its SLA; of the tickets opened in the period, the share answered and "
        "resolved within their targets. The team is the queue."
    ),
    "payments": _(
        "Open invoices by their age in days since the invoice date. The period filters "
        "the invoice date; the team, the customer's owner."
    ),
}


@login_required
@require_GET
@reads_from_replica
def home(request: HttpRequest) -> HttpResponse:
    return redirect("analytics-dashboard", dashboard_key="pipeline")


def _figures(request: HttpRequest, key: str):
    """The dashboard, or the form's errors, or the reason it is refused."""
    if key not in DASHBOARDS:
        raise Http404
    filters = parse_filters(request.GET)
    return filters, dashboard(key, user=request.user, filters=filters)


@login_required
@require_GET
@reads_from_replica
def dashboard_page(request: HttpRequest, dashboard_key: str) -> HttpResponse:
    if dashboard_key not in DASHBOARDS:
        raise Http404
    per_user = dashboard_key == "activities" and may_show_per_user()
    form = DashboardFilterForm(request.GET or None, dashboard=dashboard_key, per_user=per_user)
    context = {
        "dashboards": [(key, TITLES[key]) for key in DASHBOARDS],
        "key": dashboard_key,
        "title": TITLES[dashboard_key],
        "description": DESCRIPTIONS[dashboard_key],
        "form": form,
        "board": None,
        "refused": "",
        "query": "",
    }
    status = 200
    try:
        filters, board = _figures(request, dashboard_key)
    except FieldErrors as errors:
        form.show_errors(errors)
        status = 422
    except PermissionDenied as refusal:
        context["refused"] = str(refusal)
        status = 403
    else:
        context.update(
            board=board,
            charts=charts(board),
            rows=shown_rows(board),
            query=_query(filters),
        )
    return render(request, "analytics/dashboard.html", context, status=status)


def _query(filters: Filters) -> str:
    return urlencode(filters.query())


@login_required
@require_GET
@reads_from_replica
def dashboard_csv(request: HttpRequest, dashboard_key: str) -> HttpResponse:
    try:
        _filters, board = _figures(request, dashboard_key)
    except FieldErrors as errors:
        return HttpResponse(str(errors), status=422, content_type="text/plain; charset=utf-8")
    except PermissionDenied as refusal:
        return HttpResponse(str(refusal), status=403, content_type="text/plain; charset=utf-8")
    response = HttpResponse(as_csv(board), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{dashboard_key}.csv"'
    return response
