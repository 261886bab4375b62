"""The telephony app's table of the warehouse export (kontor.warehouse):
fact_call, one row per call the phone system reported. Phone numbers are
personal data and never go; the call names its contact instead."""

import datetime
from collections.abc import Iterator
from typing import Any

from django.utils import timezone

from kontor.core.records import WarehouseColumn, WarehouseSpec
from kontor.telephony.models import Call

CHUNK = 2000
Row = dict[str, Any]


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def call_rows(since: datetime.datetime | None, today: datetime.date) -> Iterator[Row]:
    calls = Call.objects.order_by()
    if since is not None:
        calls = calls.filter(updated_at__gte=since)
    values = calls.values_list(
        "id",
        "direction",
        "agent_id",
        "contact_id",
        "organization_id",
        "activity_id",
        "started_at",
        "answered_at",
        "ended_at",
        "missed_at",
        "busy",
        "duration_seconds",
        "outcome",
        "updated_at",
    )
    for row in values.iterator(chunk_size=CHUNK):
        yield {
            "call_id": str(row[0]),
            "direction": row[1],
            "agent_id": _text(row[2]),
            "contact_id": _text(row[3]),
            "organization_id": _text(row[4]),
            "activity_id": _text(row[5]),
            "started_at": row[6],
            "started_date": timezone.localtime(row[6]).date(),
            "answered_at": row[7],
            "ended_at": row[8],
            "missed": row[9] is not None,
            "busy": row[10],
            "duration_seconds": row[11],
            "outcome": row[12],
            "updated_at": row[13],
        }


C = WarehouseColumn

CALL = WarehouseSpec(
    table="fact_call",
    rows="kontor.telephony.warehouse.call_rows",
    key=("call_id",),
    description="Every call the phone system reported, known caller or not.",
    columns=(
        C("call_id", "string"),
        C("direction", "string", "inbound or outbound"),
        C("agent_id", "string", "dim_user", user="id"),
        C("contact_id", "string", "dim_contact; null for an unknown caller"),
        C("organization_id", "string", "dim_organization"),
        C("activity_id", "string", "fact_activity: the call on the timeline"),
        C("started_at", "timestamp"),
        C("started_date", "date", "dim_date"),
        C("answered_at", "timestamp"),
        C("ended_at", "timestamp"),
        C("missed", "bool"),
        C("busy", "bool"),
        C("duration_seconds", "int64"),
        C("outcome", "string"),
        C("updated_at", "timestamp"),
    ),
)
