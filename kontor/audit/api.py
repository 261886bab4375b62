"""API of the audit trail: GET /audit, for the roles that may see it."""

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Status
from pydantic import Field

from kontor.api.fields import Cursor, IsoDateTime
from kontor.api.schemas import Schema
from kontor.audit import selectors
from kontor.audit.models import AuditAction, AuditEntry
from kontor.core.pagination import paginate

router = Router(tags=["audit"])

ActionName = Literal[tuple(AuditAction.values)]  # type: ignore[valid-type]
MAX_ID = 2**63 - 1


class AuditParams(Schema):
    object_type: str | None = Field(
        None, max_length=32, description="contact, organization, activity, file, …"
    )
    object_id: str | None = Field(
        None, max_length=64, description="A record; its activities' and files' entries too."
    )
    actor_id: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        description="Entries by one user. In works-council mode only for the data "
        "protection officer.",
    )
    action: ActionName | None = None
    since: IsoDateTime | None = Field(None, description="Entries at or after this time.")
    until: IsoDateTime | None = Field(None, description="Entries before this time.")
    limit: int = Field(50, ge=1, le=200)
    cursor: Cursor | None = None


class AuditEntryOut(Schema):
    id: int
    at: datetime
    actor_id: int | None
    actor_name: str
    channel: str = Field(description="ui, api, cli, import or workflow.")
    request_id: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    parent_type: str
    parent_id: str
    fields: list[str]
    changes: dict[str, Any] = Field(
        description="{field: [old, new]}; values of financial and special fields are •••."
    )
    sensitive: bool


class AuditList(Schema):
    items: list[AuditEntryOut]
    next: str | None


def _entry_out(request: HttpRequest, entry: AuditEntry, hidden_records: set[str]) -> dict[str, Any]:
    fields, changes = selectors.visible_changes(request.user, entry, hidden_records=hidden_records)
    return {
        **{name: getattr(entry, name) for name in AuditEntryOut.model_fields},
        "fields": fields,
        "changes": changes,
    }


@router.get("/audit", response={200: AuditList, 404: dict})
def list_audit_entries(request: HttpRequest, params: Query[AuditParams]):
    """The audit trail, newest first: administrators and the data protection
    officer search all of it; sales, service and team leads see the history
    of a record they may read (object_type and object_id)."""
    filters = selectors.AuditFilters(
        object_type=params.object_type,
        object_id=params.object_id,
        actor_id=params.actor_id,
        action=params.action,
        since=params.since,
        until=params.until,
    )
    try:
        entries = selectors.audit_search(user=request.user, filters=filters)
    except selectors.NotFound:
        return Status(404, {"detail": "Not found."})
    page = paginate(entries, order=selectors.ORDER, limit=params.limit, cursor=params.cursor)
    hidden = selectors.hidden_record_ids(request.user, page.items)
    return {"items": [_entry_out(request, e, hidden) for e in page.items], "next": page.next}
