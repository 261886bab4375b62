"""The sales dashboards: pipeline, forecast, win rate and leads, over the
deals the user may read (kontor.sales.selectors)."""

import datetime
from collections import defaultdict
from typing import Any

from django.db.models import (
    Avg,
    Count,
    DecimalField,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from kontor.access.policy import fields_for
from kontor.analytics.dashboards.base import (
    Dashboard,
    check_team_filter,
    in_period,
    make_series,
    money_series,
)
from kontor.analytics.filters import Filters
from kontor.sales.models import StageKind
from kontor.sales.selectors import (
    DealFilters,
    default_pipeline,
    filter_deals,
    pipeline_get,
    visible_deals,
)

# Deals ---------------------------------------------------------------------------


def _weighted() -> ExpressionWrapper:
    return ExpressionWrapper(
        F("amount") * Coalesce("probability", "stage__probability") / Value(100),
        output_field=DecimalField(max_digits=20, decimal_places=4),
    )


def _deals(user: Any, filters: Filters, **deal_filters: Any) -> QuerySet:
    check_team_filter(filters)
    return filter_deals(
        visible_deals(user), DealFilters(team_id=filters.team_id, **deal_filters)
    ).order_by()


def _pipeline(filters: Filters):
    return pipeline_get(filters.pipeline_id) if filters.pipeline_id else default_pipeline()


def _may_read_amounts(user: Any) -> bool:
    return fields_for(user, "deal").may_read("amount")


def pipeline_dashboard(user: Any, filters: Filters, today: datetime.date) -> Dashboard:
    """Open deals of a pipeline by stage: count, amount and weighted amount.
    The period filters the expected close date."""
    pipeline = _pipeline(filters)
    if pipeline is None:
        return Dashboard("pipeline", filters, [], {}, [])
    stages = [s for s in pipeline.stages.all() if s.kind == StageKind.OPEN]
    labels = [str(s.pk) for s in stages]
    deals = _deals(user, filters, pipeline_id=pipeline.pk, status=StageKind.OPEN).filter(
        in_period("expected_close_date", filters, dates=True)
    )
    rows = list(
        deals.values("stage_id", "currency").annotate(
            count=Count("id"), total=Sum("amount"), weighted=Sum(_weighted())
        )
    )
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        counts[str(row["stage_id"])] += row["count"]
    series = [make_series("count", _("Deals"), "count", labels, counts)]
    if _may_read_amounts(user):
        series += money_series(
            rows,
            labels,
            lambda row: str(row["stage_id"]),
            [("total", "amount", _("Amount")), ("weighted", "weighted", _("Weighted amount"))],
        )
    return Dashboard(
        "pipeline",
        filters,
        labels,
        {str(s.pk): str(s) for s in stages},
        series,
        extras={"pipeline": {"id": str(pipeline.pk), "name": str(pipeline)},
                "period_of": "expected_close_date"},
    )  # fmt: skip


def forecast_dashboard(user: Any, filters: Filters, today: datetime.date) -> Dashboard:
    """Open deals by expected close month: count, amount and weighted amount."""
    deals = _deals(user, filters, pipeline_id=filters.pipeline_id, status=StageKind.OPEN)
    dated = deals.filter(expected_close_date__isnull=False).filter(
        in_period("expected_close_date", filters, dates=True)
    )
    rows = list(
        dated.annotate(month=TruncMonth("expected_close_date"))
        .values("month", "currency")
        .annotate(count=Count("id"), total=Sum("amount"), weighted=Sum(_weighted()))
    )
    labels = sorted({_month(row["month"]) for row in rows})
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        counts[_month(row["month"])] += row["count"]
    series = [make_series("count", _("Deals"), "count", labels, counts)]
    if _may_read_amounts(user):
        series += money_series(
            rows,
            labels,
            lambda row: _month(row["month"]),
            [("total", "amount", _("Amount")), ("weighted", "weighted", _("Weighted amount"))],
        )
    without_date = 0 if filters.since or filters.until else (
        deals.filter(expected_close_date__isnull=True).count()
    )  # fmt: skip
    return Dashboard(
        "forecast",
        filters,
        labels,
        {label: label for label in labels},
        series,
        extras={"without_close_date": without_date, "period_of": "expected_close_date"},
    )


def _month(value: datetime.date | datetime.datetime) -> str:
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{value.year:04d}-{value.month:02d}"


def win_rate_dashboard(user: Any, filters: Filters, today: datetime.date) -> Dashboard:
    """Won and lost deals by the month they closed: win rate (won of all
    closed, in %) and the average sales cycle (days from creation to close)
    of the won ones."""
    closed = _deals(user, filters, pipeline_id=filters.pipeline_id).filter(
        Q(status__in=(StageKind.WON, StageKind.LOST), closed_at__isnull=False)
        & in_period("closed_at", filters)
    )
    cycle = ExpressionWrapper(F("closed_at") - F("created_at"), output_field=DurationField())
    rows = list(
        closed.annotate(month=TruncMonth("closed_at"))
        .values("month")
        .annotate(
            won=Count("id", filter=Q(status=StageKind.WON)),
            lost=Count("id", filter=Q(status=StageKind.LOST)),
            cycle=Avg(cycle, filter=Q(status=StageKind.WON)),
        )
    )
    by_month = {_month(row["month"]): row for row in rows}
    labels = sorted(by_month)
    rate = {
        label: round(100 * row["won"] / (row["won"] + row["lost"]), 1)
        for label, row in by_month.items()
    }
    cycle_days = {
        label: None if row["cycle"] is None else round(_days(row["cycle"]), 1)
        for label, row in by_month.items()
    }
    return Dashboard(
        "win-rate",
        filters,
        labels,
        {label: label for label in labels},
        [
            make_series("win_rate", _("Win rate (%)"), "percent", labels, rate),
            make_series(
                "won", _("Won"), "count", labels, {k: r["won"] for k, r in by_month.items()}
            ),
            make_series(
                "lost", _("Lost"), "count", labels, {k: r["lost"] for k, r in by_month.items()}
            ),
            make_series("cycle_days", _("Average sales cycle (days)"), "days", labels, cycle_days),
        ],
        extras={"period_of": "closed_at"},
    )


def _days(value: Any) -> float:
    if isinstance(value, datetime.timedelta):
        return value.total_seconds() / 86400
    # SQLite may hand back microseconds.
    return float(value) / 86_400_000_000


def _reached(cohort: QuerySet, stages: list[Any]) -> dict[str, int]:
    """How many deals of ``cohort`` reached each of ``stages``: the deals
    whose furthest stage is that one or a later one. One GROUP BY over the
    deals by their ``furthest_stage`` (kept by the sales services), not a
    COUNT(DISTINCT) over their whole stage history."""
    by_furthest = dict(
        cohort.filter(furthest_stage__isnull=False)
        .values_list("furthest_stage_id")
        .annotate(count=Count("id"))
        .values_list("furthest_stage_id", "count")
    )
    position = {stage.pk: stage.position for stage in stages}
    return {
        str(stage.pk): sum(
            n for furthest, n in by_furthest.items() if position.get(furthest, -1) >= stage.position
        )
        for stage in stages
    }


def leads_dashboard(user: Any, filters: Filters, today: datetime.date) -> Dashboard:
    """New deals (leads) of the period by their source, and how many of
    them reached each stage of the pipeline — got as far as the stage or
    further (conversion, in % of them)."""
    new = _deals(user, filters, pipeline_id=filters.pipeline_id).filter(
        in_period("created_at", filters)
    )
    by_source = {
        row["source"]: row["count"] for row in new.values("source").annotate(count=Count("id"))
    }
    sources = sorted(by_source)
    source_names = {s: s or _("(no source)") for s in sources}
    source_labels = [f"source:{s}" for s in sources]
    series = [
        make_series(
            "new_by_source",
            _("New leads by source"),
            "count",
            source_labels,
            {f"source:{s}": n for s, n in by_source.items()},
        )
    ]
    pipeline = _pipeline(filters)
    stage_labels: list[str] = []
    stage_names: dict[str, str] = {}
    cohort_size = 0
    if pipeline is not None:
        cohort = new.filter(pipeline=pipeline)
        cohort_size = cohort.count()
        stages = [s for s in pipeline.stages.all() if s.kind != StageKind.LOST]
        reached = _reached(cohort, stages)
        stage_labels = [f"stage:{s.pk}" for s in stages]
        stage_names = {f"stage:{s.pk}": str(s) for s in stages}
        reached_by_label = {f"stage:{s.pk}": reached.get(str(s.pk), 0) for s in stages}
        series.append(
            make_series("reached", _("Reached the stage"), "count", stage_labels, reached_by_label)
        )
        series.append(
            make_series(
                "conversion",
                _("Conversion (%)"),
                "percent",
                stage_labels,
                {
                    label: round(100 * n / cohort_size, 1) if cohort_size else 0
                    for label, n in reached_by_label.items()
                },
            )
        )
    return Dashboard(
        "leads",
        filters,
        source_labels + stage_labels,
        {**{f"source:{s}": name for s, name in source_names.items()}, **stage_names},
        series,
        extras={
            "period_of": "created_at",
            "new_leads": sum(by_source.values()),
            "pipeline": {"id": str(pipeline.pk), "name": str(pipeline), "deals": cohort_size}
            if pipeline
            else None,
        },
    )
