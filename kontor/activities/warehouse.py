"""The activities app's table of the warehouse export (kontor.warehouse):
fact_activity, one row per call, email, meeting, note or task on the
timeline. Subjects and texts are free text about people and never go."""

import datetime
from collections.abc import Iterator
from typing import Any

from django.utils import timezone

from kontor.activities.models import Activity
from kontor.core.records import WarehouseColumn, WarehouseSpec

CHUNK = 2000
Row = dict[str, Any]
COLUMNS = (
    "activity_id",
    "kind",
    "direction",
    "occurred_at",
    "author_id",
    "assignee_id",
    "contact_id",
    "organization_id",
    "linked_type",
    "linked_id",
    "duration_seconds",
    "outcome",
    "status",
    "due_at",
    "completed_at",
    "updated_at",
)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def activity_rows(since: datetime.datetime | None, today: datetime.date) -> Iterator[Row]:
    activities = Activity.objects.order_by()
    if since is not None:
        activities = activities.filter(updated_at__gte=since)
    values = activities.values_list(
        "id",
        "kind",
        "direction",
        "occurred_at",
        "author_id",
        "assignee_id",
        "contact_id",
        "organization_id",
        "linked_type",
        "linked_id",
        "duration_seconds",
        "outcome",
        "status",
        "due_at",
        "completed_at",
        "updated_at",
    )
    zone = timezone.get_current_timezone()
    for row in values.iterator(chunk_size=CHUNK):
        record = dict(zip(COLUMNS, row, strict=True))
        for key in ("activity_id", "author_id", "assignee_id", "contact_id", "organization_id"):
            record[key] = _text(record[key])
        record["linked_id"] = _text(record["linked_id"])
        record["occurred_date"] = record["occurred_at"].astimezone(zone).date()
        yield record


C = WarehouseColumn

ACTIVITY = WarehouseSpec(
    table="fact_activity",
    rows="kontor.activities.warehouse.activity_rows",
    key=("activity_id",),
    description="Every activity on the timeline (calls, emails, meetings, notes, tasks).",
    columns=(
        C("activity_id", "string"),
        C("kind", "string", "call, email, meeting, note or task"),
        C("direction", "string", "inbound, outbound or empty"),
        C("occurred_at", "timestamp"),
        C("occurred_date", "date", "dim_date"),
        C("author_id", "string", "dim_user: who wrote it", user="id"),
        C("assignee_id", "string", "dim_user: a task's assignee", user="id"),
        C("contact_id", "string", "dim_contact"),
        C("organization_id", "string", "dim_organization"),
        C("linked_type", "string", "the kind of record it also names (deal, …)"),
        C("linked_id", "string"),
        C("duration_seconds", "int64", "a call's duration"),
        C("outcome", "string", "a call's outcome"),
        C("status", "string", "a task's status: open or done"),
        C("due_at", "timestamp", "a task's due time"),
        C("completed_at", "timestamp"),
        C("updated_at", "timestamp"),
    ),
)
