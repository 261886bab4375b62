from typing import Any

from pydantic import Field

from kontor.api.schemas import Schema


class DashboardParams(Schema):
    since: str | None = Field(
        None, max_length=32, description="First day of the period (YYYY-MM-DD)."
    )
    until: str | None = Field(
        None, max_length=32, description="Last day of the period (YYYY-MM-DD)."
    )
    pipeline_id: str | None = Field(None, max_length=64, description="Only this pipeline.")
    team_id: str | None = Field(
        None, max_length=64, description="Only records owned by this team's members."
    )
    by: str | None = Field(
        None,
        max_length=8,
        description="activities: `team` (default) or `user` (when per-user figures are on).",
    )


class PointOut(Schema):
    label: str
    value: float | int | None


class SeriesOut(Schema):
    name: str
    key: str
    unit: str = Field(description="count, percent, days or a currency code")
    points: list[PointOut]


class LabelOut(Schema):
    label: str
    name: str


class DashboardOut(Schema):
    dashboard: str
    filters: dict[str, Any]
    series: list[SeriesOut]
    labels: list[LabelOut] = Field(description="Every label of the points, with a readable name.")
    extras: dict[str, Any]
    notes: list[str]


class DealScoreOut(Schema):
    deal_id: str
    score: float = Field(description="How likely the deal is to be won, 0 to 1.")
    score_reasons: list[str] = Field(
        description="The three features that moved the score most, in the caller's language."
    )
    model_version: str
    scored_at: Any
