"""API of the requests of data subjects: record one, list and read them,
close them, and download the export that answers an access or
portability request; the retention rules with their previews and runs;
the register of processing activities (Art. 30). Only for roles that handle such requests (the data
protection officer, administrators); everyone else gets 403."""

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Query, Router, Status
from pydantic import Field

from kontor.api.fields import IsoDate
from kontor.api.schemas import Schema, StrictSchema
from kontor.core.pagination import paginate
from kontor.core.records import is_registered, record_type
from kontor.privacy import rules, selectors, services
from kontor.privacy.erasure import execute_erasure
from kontor.privacy.export.archive import export_filename, request_export
from kontor.privacy.models import DataSubjectRequest, RequestStatus, RequestType
from kontor.privacy.register import processing_register, register_html, register_pdf
from kontor.privacy.restriction import execute_objection, execute_restriction, lift_restriction
from kontor.privacy.retention import preview

router = Router(tags=["privacy"])
NOT_FOUND = {"detail": "Not found."}
TypeName = Literal[tuple(RequestType.values)]  # type: ignore[valid-type]
StatusName = Literal[tuple(RequestStatus.values)]  # type: ignore[valid-type]


class RequestIn(StrictSchema):
    type: TypeName
    contact_id: str | None = Field(None, max_length=64, description="The person's contact id.")
    email: str | None = Field(None, max_length=320, description="Or: the person's email address.")
    phone: str | None = Field(None, max_length=64, description="Or: the person's phone number.")
    received_on: IsoDate | None = Field(
        None, description="When the request arrived (default: today); the deadline follows."
    )
    notes: str = Field("", max_length=10_000)
    purposes: list[str] = Field(
        [],
        max_length=100,
        description="An objection: the keys of the purposes objected to (none: every purpose).",
    )


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
    type: str = Field(
        "", description="The record's type; the daily retention run erases it after until."
    )
    id: str = Field("", description="The record's id.")


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
    purposes: list[str] = Field(description="An objection's purposes (empty: every purpose).")
    executed_at: datetime | None = Field(
        None, description="When a restriction or objection was carried out."
    )
    executed_by_id: int | None = None
    lifted_at: datetime | None = Field(None, description="When a restriction was lifted.")
    lifted_by_id: int | None = None
    restriction_in_force: bool = Field(
        description="A restriction request carried out and not lifted."
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
    response={200: ErasureReport | RequestOut, 403: dict, 404: dict, 422: dict},
)
def execute_request(request: HttpRequest, request_id: str):
    """Carry out an erasure, restriction or objection request (422 for an
    access or portability request, or a rejected one); the request is then
    done. Erasure: the person is removed from every store; records the law
    makes Kontor keep are listed under ``kept``; the answer is the report,
    kept on the request. Restriction: the person and every record about
    them are hidden from everyone but the data protection officer until it
    is lifted; objection: an objection is recorded for the request's
    purposes (none named: every purpose); both answer with the request.
    Executing a request again changes nothing."""
    services.require_request_handler(request.user)
    found = selectors.request_get(user=request.user, request_id=request_id)
    if found is None:
        return Status(404, NOT_FOUND)
    if found.type == RequestType.RESTRICTION:
        return execute_restriction(actor=request.user, request=found)
    if found.type == RequestType.OBJECTION:
        return execute_objection(actor=request.user, request=found)
    return execute_erasure(actor=request.user, request=found)


@router.post(
    "/privacy/requests/{request_id}/lift",
    response={200: RequestOut, 403: dict, 404: dict, 422: dict},
)
def lift_request(request: HttpRequest, request_id: str):
    """Lift the restriction a restriction request put in force: the person
    and their records are visible again (422 when none is in force)."""
    services.require_request_handler(request.user)
    found = selectors.request_get(user=request.user, request_id=request_id)
    if found is None:
        return Status(404, NOT_FOUND)
    return lift_restriction(actor=request.user, request=found)


# Retention rules -------------------------------------------------------------------


class RetentionRuleIn(StrictSchema):
    record_type: str = Field(max_length=64, description="A record type with retention.")
    category: str = Field(
        "", max_length=64, description="One of the type's categories; empty for all its records."
    )
    months: int = Field(description="How long records are kept, 1 to 1200 months.")
    legal_ground: str = Field("", max_length=500)
    enabled: bool = True


class RetentionRulePatch(StrictSchema):
    category: str | None = Field(None, max_length=64)
    months: int | None = None
    legal_ground: str | None = Field(None, max_length=500)
    enabled: bool | None = None


class RetentionRuleOut(Schema):
    id: UUID
    record_type: str
    category: str
    months: int
    legal_ground: str
    enabled: bool
    counted_from: str = Field(description="Where the period starts.")
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_counted_from(obj) -> str:
        if not is_registered(obj.record_type):
            return ""
        spec = record_type(obj.record_type).retention
        return str(spec.counted_from) if spec else ""


class RetentionRuleList(Schema):
    items: list[RetentionRuleOut]


class PreviewItem(Schema):
    id: str
    name: str


class RetentionPreview(Schema):
    rule_id: UUID
    cutoff: date = Field(description="Today minus the rule's period.")
    count: int = Field(description="How many records the rule erases today.")
    sample: list[PreviewItem] = Field(description="The first of them (at most 20).")


class RetentionRunOut(Schema):
    id: UUID
    ran_on: date
    finished_at: datetime | None
    erased: int
    report: dict


class RetentionRunList(Schema):
    items: list[RetentionRunOut]
    next: str | None


class RunListParams(Schema):
    limit: int = Field(20, ge=1, le=200)
    cursor: str | None = Field(None, max_length=500)


def _retention_rule(request: HttpRequest, retention_rule_id: str):
    services.require_request_handler(request.user)
    return selectors.retention_rule_get(user=request.user, rule_id=retention_rule_id)


@router.get("/privacy/retention-rules", response={200: RetentionRuleList, 403: dict})
def list_retention_rules(request: HttpRequest):
    """The retention rules, by record type and category."""
    services.require_request_handler(request.user)
    return {"items": list(selectors.retention_rule_list(user=request.user))}


@router.post("/privacy/retention-rules", response={201: RetentionRuleOut, 403: dict, 422: dict})
def create_retention_rule(request: HttpRequest, payload: RetentionRuleIn):
    """A retention rule: records of the type (and category) are erased
    ``months`` after their starting point by the daily run."""
    return Status(201, rules.retention_rule_create(actor=request.user, data=payload.model_dump()))


@router.get(
    "/privacy/retention-rules/{retention_rule_id}",
    response={200: RetentionRuleOut, 403: dict, 404: dict},
)
def get_retention_rule(request: HttpRequest, retention_rule_id: str):
    rule = _retention_rule(request, retention_rule_id)
    return rule if rule is not None else Status(404, NOT_FOUND)


@router.patch(
    "/privacy/retention-rules/{retention_rule_id}",
    response={200: RetentionRuleOut, 403: dict, 404: dict, 422: dict},
)
def update_retention_rule(
    request: HttpRequest, retention_rule_id: str, payload: RetentionRulePatch
):
    rule = _retention_rule(request, retention_rule_id)
    if rule is None:
        return Status(404, NOT_FOUND)
    data = {key: value for key, value in payload.model_dump(exclude_unset=True).items()}
    return rules.retention_rule_update(actor=request.user, rule=rule, data=data)


@router.delete(
    "/privacy/retention-rules/{retention_rule_id}",
    response={204: None, 403: dict, 404: dict},
)
def delete_retention_rule(request: HttpRequest, retention_rule_id: str):
    rule = _retention_rule(request, retention_rule_id)
    if rule is None:
        return Status(404, NOT_FOUND)
    rules.retention_rule_delete(actor=request.user, rule=rule)
    return Status(204, None)


@router.get(
    "/privacy/retention-rules/{retention_rule_id}/preview",
    response={200: RetentionPreview, 403: dict, 404: dict},
)
def preview_retention_rule(request: HttpRequest, retention_rule_id: str):
    """What the rule would erase today: how many records, and the first of
    them — exactly what the next run erases if nothing changes meanwhile."""
    rule = _retention_rule(request, retention_rule_id)
    if rule is None:
        return Status(404, NOT_FOUND)
    return preview(rule)


@router.get("/privacy/retention-runs", response={200: RetentionRunList, 403: dict})
def list_retention_runs(request: HttpRequest, params: Query[RunListParams]):
    """The daily runs' reports, the latest first: per rule the cutoff, how
    many records were erased (by id) and how many failed."""
    services.require_request_handler(request.user)
    return paginate(
        selectors.retention_run_list(user=request.user),
        order=("-created_at", "-id"),
        limit=params.limit,
        cursor=params.cursor,
    )


# The register of processing activities ---------------------------------------------


class RegisterParams(Schema):
    format: Literal["json", "html", "pdf"] = "json"


REGISTER_OPENAPI = {
    "responses": {
        200: {
            "description": "The register: JSON, or the document as HTML or PDF (?format=).",
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "text/html": {},
                "application/pdf": {},
            },
        }
    }
}
REGISTER_PDF_OPENAPI = {
    "responses": {200: {"description": "The register as PDF", "content": {"application/pdf": {}}}}
}


@router.get("/privacy/register", response={200: dict, 403: dict}, openapi_extra=REGISTER_OPENAPI)
def get_register(request: HttpRequest, params: Query[RegisterParams]):
    """The register of processing activities (GDPR Art. 30), generated from
    the configuration: purposes, categories of data subjects and data,
    recipients, retention periods, technical and organisational measures.
    ``?format=html`` or ``pdf`` for the printable document."""
    services.require_request_handler(request.user)
    document = processing_register()
    if params.format == "html":
        response = HttpResponse(register_html(document), content_type="text/html; charset=utf-8")
        response["Cache-Control"] = "private, no-store"
        return response
    if params.format == "pdf":
        return _pdf(document)
    return document


@router.get(
    "/privacy/register.pdf", response={200: None, 403: dict}, openapi_extra=REGISTER_PDF_OPENAPI
)
def get_register_pdf(request: HttpRequest):
    """The register of processing activities as PDF."""
    services.require_request_handler(request.user)
    return _pdf(processing_register())


def _pdf(document: dict) -> HttpResponse:
    response = HttpResponse(register_pdf(document), content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="processing-register.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
