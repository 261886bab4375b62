"""API of tickets: the list with its filters, one ticket (read, change,
delete), its conversation, and the queue's bulk actions."""

from typing import Any
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status
from pydantic import Field

from kontor.access import works_council
from kontor.api.fields import Cursor
from kontor.api.schemas import Schema
from kontor.api.versioning import IF_MATCH_OPENAPI, expected_version
from kontor.contacts.visibility import note_visible_customers
from kontor.core.db_router import replica_reads
from kontor.core.exceptions import FieldErrors
from kontor.core.pagination import paginate
from kontor.service import selectors, services
from kontor.service.schemas import (
    ChannelName,
    PriorityName,
    StatusName,
    TicketBulkIn,
    TicketBulkOut,
    TicketIn,
    TicketList,
    TicketMessageIn,
    TicketMessageList,
    TicketMessageOut,
    TicketOut,
    TicketPatch,
)

router = Router(tags=["tickets"])
NOT_FOUND = {"detail": "Not found."}
ORDER = ("-created_at", "-id")


def _etag(response: HttpResponse, record: Any) -> None:
    response["ETag"] = f'"{record.version}"'


class Paging(Schema):
    limit: int = Field(50, ge=1, le=200)
    cursor: Cursor | None = None


class TicketListParams(Paging):
    status: StatusName | None = None
    priority: PriorityName | None = None
    channel: ChannelName | None = None
    team_id: UUID | None = Field(None, description="The queue.")
    assignee_id: str | None = Field(
        None, pattern=r"^(me|none|[1-9][0-9]{0,17})$", description='A user id, "me" or "none".'
    )
    contact_id: UUID | None = None
    organization_id: UUID | None = None
    breached: bool | None = None
    q: str = Field("", max_length=200, description="Words of the subject, or the number.")


def _filters(request: HttpRequest, params: TicketListParams) -> selectors.TicketFilters:
    assignee_id = None
    if params.assignee_id == "me":
        assignee_id = request.user.pk
    elif params.assignee_id not in (None, "none"):
        assignee_id = int(params.assignee_id)
        # One colleague's tickets are a list of their work.
        works_council.require_employee_view(request.user, assignee_id)
    return selectors.TicketFilters(
        status=params.status,
        priority=params.priority,
        channel=params.channel,
        team_id=params.team_id,
        assignee_id=assignee_id,
        unassigned=params.assignee_id == "none",
        contact_id=params.contact_id,
        organization_id=params.organization_id,
        breached=params.breached,
        q=params.q,
    )


def _answer(request: HttpRequest, response: HttpResponse, ticket_id: Any):
    ticket = selectors.ticket_get(user=request.user, ticket_id=ticket_id)
    _etag(response, ticket)
    return ticket


@router.get("/tickets", response=TicketList)
def list_tickets(request: HttpRequest, params: Query[TicketListParams]):
    """Tickets you may see (yours, your teams' queues, or all, by your
    roles), newest first."""
    with replica_reads(request.user):
        records = selectors.ticket_list(user=request.user, filters=_filters(request, params))
        page = paginate(records, order=ORDER, limit=params.limit, cursor=params.cursor)
        note_visible_customers(request.user, page.items)
        return page


@router.post("/tickets", response={201: TicketOut})
def create_ticket(request: HttpRequest, payload: TicketIn, response: HttpResponse):
    data = {
        k: v for k, v in payload.model_dump(mode="json").items() if k in payload.model_fields_set
    }
    if data.get("channel") is None:
        data["channel"] = "api"
    ticket = services.ticket_create(actor=request.user, data=data)
    response["Location"] = f"/api/v1/tickets/{ticket.pk}"
    return Status(201, _answer(request, response, ticket.pk))


@router.post("/tickets/bulk", response={200: TicketBulkOut})
def bulk_tickets(request: HttpRequest, payload: TicketBulkIn):
    """Assign or close many tickets at once; the ones you may not see are
    not found (422), the ones you may see but not change are ``refused``."""
    tickets = list(selectors.visible_tickets(request.user).filter(pk__in=payload.ids))
    missing = set(payload.ids) - {t.pk for t in tickets}
    if missing:
        raise FieldErrors.single("ids", f"{len(missing)} of them are no tickets you may see")
    if payload.action == "assign":
        changed, refused = services.tickets_assign(
            actor=request.user, tickets=tickets, assignee=payload.assignee_id
        )
    else:
        changed, refused = services.tickets_close(actor=request.user, tickets=tickets)
    return {"changed": [t.pk for t in changed], "refused": [t.pk for t in refused]}


@router.get("/tickets/{ticket_id}", response={200: TicketOut, 404: dict}, url_name="ticket_get")
def get_ticket(request: HttpRequest, ticket_id: str, response: HttpResponse):
    ticket = selectors.ticket_get(user=request.user, ticket_id=ticket_id)
    if ticket is None:
        return Status(404, NOT_FOUND)
    _etag(response, ticket)
    return ticket


@router.patch("/tickets/{ticket_id}", response={200: TicketOut, 404: dict})
def update_ticket(
    request: HttpRequest, ticket_id: str, payload: TicketPatch, response: HttpResponse
):
    """Change the fields given; ``version`` (or If-Match) answers 409 when
    the ticket changed since you read it."""
    ticket = selectors.ticket_get(user=request.user, ticket_id=ticket_id)
    if ticket is None:
        return Status(404, NOT_FOUND)
    services.ticket_update(
        actor=request.user,
        ticket=ticket,
        data=payload.model_dump(exclude_unset=True, exclude={"version"}, mode="json"),
        expected_version=expected_version(request, payload.version),
    )
    return _answer(request, response, ticket.pk)


@router.delete(
    "/tickets/{ticket_id}", response={204: None, 404: dict}, openapi_extra=IF_MATCH_OPENAPI
)
def delete_ticket(request: HttpRequest, ticket_id: str):
    ticket = selectors.ticket_get(user=request.user, ticket_id=ticket_id)
    if ticket is None:
        return Status(404, NOT_FOUND)
    services.ticket_delete(
        actor=request.user, ticket=ticket, expected_version=expected_version(request)
    )
    return Status(204, None)


@router.get("/tickets/{ticket_id}/messages", response={200: TicketMessageList, 404: dict})
def list_messages(request: HttpRequest, ticket_id: str, params: Query[Paging]):
    """The conversation, oldest first: replies, internal notes and what the
    customer wrote."""
    ticket = selectors.ticket_get(user=request.user, ticket_id=ticket_id)
    if ticket is None:
        return Status(404, NOT_FOUND)
    messages = selectors.ticket_messages(user=request.user, ticket=ticket)
    return paginate(messages, order=("created_at", "id"), limit=params.limit,
                    cursor=params.cursor)  # fmt: skip


@router.post("/tickets/{ticket_id}/messages", response={201: TicketMessageOut, 404: dict})
def add_message(request: HttpRequest, ticket_id: str, payload: TicketMessageIn):
    """A ``reply`` is emailed to the customer with the ticket's number in
    the subject and is the ticket's first response if none came before; a
    ``note`` stays internal."""
    ticket = selectors.ticket_get(user=request.user, ticket_id=ticket_id)
    if ticket is None:
        return Status(404, NOT_FOUND)
    message = services.ticket_add_message(
        actor=request.user, ticket=ticket, kind=payload.kind, body=payload.body
    )
    return Status(201, message)
