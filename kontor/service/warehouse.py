"""The service app's table of the warehouse export (kontor.warehouse):
one row per ticket with its SLA results, read in batches so that memory
stays flat."""

import datetime
from collections.abc import Iterator
from typing import Any

from django.utils import timezone

from kontor.core.records import WarehouseColumn as C
from kontor.core.records import WarehouseSpec
from kontor.service.models import Ticket

CHUNK = 2000


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _day(moment: datetime.datetime | None) -> datetime.date | None:
    return None if moment is None else timezone.localtime(moment).date()


def _met(done: datetime.datetime | None, due: datetime.datetime | None) -> bool | None:
    """Whether a target was met: None while it is open or has no due time."""
    if done is None or due is None:
        return None
    return done <= due


def _minutes(start: datetime.datetime, end: datetime.datetime | None) -> int | None:
    return None if end is None else int((end - start).total_seconds() // 60)


def ticket_rows(since: datetime.datetime | None, today: datetime.date) -> Iterator[dict]:
    tickets = Ticket.objects.order_by()
    if since is not None:
        tickets = tickets.filter(updated_at__gte=since)
    values = tickets.values_list(
        "id", "number", "status", "priority", "channel", "category", "team_id", "assignee_id",
        "organization_id", "contact_id", "sla_policy_id", "created_at",
        "first_response_due_at", "first_responded_at", "resolution_due_at", "resolved_at",
        "breached", "updated_at",
    )  # fmt: skip
    for row in values.iterator(chunk_size=CHUNK):
        created, response_due, responded, resolution_due, resolved = row[11:16]
        yield {
            "ticket_id": str(row[0]),
            "number": row[1],
            "status": row[2],
            "priority": row[3],
            "channel": row[4],
            "category": row[5],
            "team_id": _text(row[6]),
            "assignee_id": _text(row[7]),
            "organization_id": _text(row[8]),
            "contact_id": _text(row[9]),
            "sla_policy_id": _text(row[10]),
            "created_date": _day(created),
            "created_at": created,
            "first_response_due_at": response_due,
            "first_responded_at": responded,
            "first_response_minutes": _minutes(created, responded),
            "first_response_met": _met(responded, response_due),
            "resolution_due_at": resolution_due,
            "resolved_at": resolved,
            "resolution_minutes": _minutes(created, resolved),
            "resolution_met": _met(resolved, resolution_due),
            "breached": row[16],
            "updated_at": row[17],
        }


TICKET = WarehouseSpec(
    table="fact_ticket",
    rows="kontor.service.warehouse.ticket_rows",
    key=("ticket_id",),
    description="One ticket with its SLA results (minutes are wall-clock minutes since "
    "the ticket was opened; met: answered or resolved by its due time, null while open "
    "or without a due time).",
    columns=(
        C("ticket_id", "string"),
        C("number", "string"),
        C("status", "string", "new, open, pending, resolved or closed"),
        C("priority", "string", "low, normal, high or urgent"),
        C("channel", "string", "email, phone, web or api"),
        C("category", "string"),
        C("team_id", "string", "dim_team: the queue"),
        C("assignee_id", "string", "dim_user", user="id"),
        C("organization_id", "string", "dim_organization"),
        C("contact_id", "string", "dim_contact"),
        C("sla_policy_id", "string"),
        C("created_date", "date", "dim_date"),
        C("created_at", "timestamp"),
        C("first_response_due_at", "timestamp"),
        C("first_responded_at", "timestamp"),
        C("first_response_minutes", "int64"),
        C("first_response_met", "bool"),
        C("resolution_due_at", "timestamp"),
        C("resolved_at", "timestamp"),
        C("resolution_minutes", "int64"),
        C("resolution_met", "bool"),
        C("breached", "bool"),
        C("updated_at", "timestamp"),
    ),
)
