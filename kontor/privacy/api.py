"""API of the requests of data subjects: record one, list and read them,
close them, and download the export that answers an access or
portability request. Only for roles that handle such requests (the data
protection officer, administrators); everyone else gets 403."""

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from django.http import FileResponse, HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field

from kontor.api.schemas import StrictSchema
from kontor.core.pagination import paginate
from kontor.privacy import selectors, services
from kontor.privacy.erasure import execute_erasure
from kontor.privacy.export.archive import export_filename, request_export
from kontor.privacy.models import DataSubjectRequest, RequestStatus, RequestType

router = Router(tags=["privacy"])
NOT_FOUND = {"detail": "Not found."}
TypeName = Literal[tuple(RequestType.values)]  # type: ignore[valid-type]
StatusName = Literal[tuple(RequestStatus.values)]  # type: ignore[valid-type]


class RequestIn(StrictSchema):
    type: TypeName
    contact_id: str | None = Field(None, max_length=64, description="The person's contact id.")
    email: str | None = Field(None, max_length=320, description="Or: the person's email address.")
    phone: str | None = Field(None, max_length=64, description="Or: the person's phone number.")
    received_on: date | None = Field(
        None, description="When the request arrived (default: today); the deadline follows."
    )
    notes: str = Field("", max_length=10_000)


class CloseIn(StrictSchema):
    status: Literal["done", "rejected"]
    notes: str | None = Field(
        None, max_length=10_000, description="What was done; a rejection says why."
    )


class ErasedStore(Schema):
    name: str = Field(description="Where the person's data was.")
    items_removed: int


class KeptItem(Schema):
    what: str = Field(description="The record kept, with its number and id.")
    legal_ground: str
    until: date = Field(description="The last day of the retention period.")


class ErasureReport(Schema):
    stores: list[ErasedStore]
    kept: list[KeptItem]


class RequestOut(Schema):
    id: UUID
    type: str
    status: str
    contact_id: UUID | None = Field(description="null once the person is erased.")
    found_by: str = Field(description="contact_id, email or phone: how the person was named.")
    identifier: str = Field(description="The email address or phone number given, if any.")
    received_on: date
    deadline: date = Field(description="One month after receipt (GDPR Art. 12(3)).")
    overdue: bool
    notes: str
    created_at: datetime
    created_by_id: int | None
    done_at: datetime | None
    done_by_id: int | None
    erasure_report: ErasureReport | None = Field(
        None, description="An executed erasure's report, kept as proof."
    )

    @staticmethod
    def resolve_overdue(obj: DataSubjectRequest) -> bool:
        return obj.is_open and obj.deadline < timezone.localdate()


class RequestList(Schema):
    items: list[RequestOut]
    next: str | None


class ListParams(Schema):
    status: StatusName | None = None
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = Field(None, max_length=500)


@router.get("/privacy/requests", response={200: RequestList, 403: dict})
def list_requests(request: HttpRequest, params: Query[ListParams]):
    """The requests of data subjects, the next deadline first."""
    services.require_request_handler(request.user)
    return paginate(
        selectors.request_list(user=request.user, status=params.status),
        order=("deadline", "id"),
        limit=params.limit,
        cursor=params.cursor,
    )


@router.post("/privacy/requests", response={201: RequestOut, 403: dict, 422: dict})
def create_request(request: HttpRequest, payload: RequestIn):
    """Record a request; the person is named by exactly one of contact_id,
    email or phone (422 if none or several contacts match)."""
    return Status(201, services.request_create(actor=request.user, **payload.model_dump()))


@router.get("/privacy/requests/{request_id}", response={200: RequestOut, 403: dict, 404: dict})
def get_request(request: HttpRequest, request_id: str):
    services.require_request_handler(request.user)
    found = selectors.request_get(user=request.user, request_id=request_id)
    if found is None:
        return Status(404, NOT_FOUND)
    return found


@router.post(
    "/privacy/requests/{request_id}/close",
    response={200: RequestOut, 403: dict, 404: dict, 422: dict},
)
def close_request(request: HttpRequest, request_id: str, payload: CloseIn):
    """Mark an open request done or rejected."""
    services.require_request_handler(request.user)
    found = selectors.request_get(user=request.user, request_id=request_id)
    if found is None:
        return Status(404, NOT_FOUND)
    return services.request_close(actor=request.user, request=found, **payload.model_dump())


@router.get(
    "/privacy/requests/{request_id}/export",
    response={200: None, 403: dict, 404: dict, 422: dict},
)
def export_request(request: HttpRequest, request_id: str):
    """A ZIP of everything about the person of an access or portability
    request: data.json, its schema.json, summary.html (German and English)
    and the stored files under files/."""
    services.require_request_handler(request.user)
    found = selectors.request_get(user=request.user, request_id=request_id)
    if found is None:
        return Status(404, NOT_FOUND)
    archive = request_export(actor=request.user, request=found)
    return FileResponse(
        archive,
        as_attachment=True,
        filename=export_filename(found),
        content_type="application/zip",
    )


@router.post(
    "/privacy/requests/{request_id}/execute",
    response={200: ErasureReport, 403: dict, 404: dict, 422: dict},
)
def execute_request(request: HttpRequest, request_id: str):
    """Carry out an erasure request: the person is removed from every store;
    records the law makes Kontor keep are listed under ``kept``. The report
    is kept on the request, which is done; executing it again answers the
    same report. 422 for a request of another type."""
    services.require_request_handler(request.user)
    found = selectors.request_get(user=request.user, request_id=request_id)
    if found is None:
        return Status(404, NOT_FOUND)
    return execute_erasure(actor=request.user, request=found)
