"""API of attached files: upload to an activity, a contact or an organization;
list; download (only for those who may see the record); delete."""

from django.conf import settings
from django.http import FileResponse, HttpRequest
from ninja import File, Query, Router, Status
from ninja.files import UploadedFile
from pydantic import Field

from kontor.activities.links import note_visible_links
from kontor.activities.schemas import FileList, FileOut, file_out
from kontor.activities.selectors import activity_get
from kontor.api.fields import Cursor
from kontor.api.schemas import Schema
from kontor.contacts.selectors import contact_get, organization_get
from kontor.core.pagination import paginate
from kontor.files import selectors, services
from kontor.files.models import Attachment

router = Router(tags=["files"])

NOT_FOUND = {"detail": "Not found."}
UPLOAD_DESCRIPTION = (
    "Multipart upload, field `file`. At most KONTOR_MAX_UPLOAD_MB megabytes "
    "(413 past it). The content type is read from the file's content."
)


class FileListParams(Schema):
    limit: int = Field(50, ge=1, le=200)
    cursor: Cursor | None = None


def _list(request: HttpRequest, attachments, params: FileListParams) -> dict:
    page = paginate(attachments, order=selectors.ORDER, limit=params.limit, cursor=params.cursor)
    note_visible_links(request.user, page.items)
    return {"items": [file_out(request, a) for a in page.items], "next": page.next}


def _upload(request: HttpRequest, file: UploadedFile, **record) -> Status:
    try:
        attachment = services.attachment_create(actor=request.user, upload=file, **record)
    except services.FileTooLarge as exc:
        detail = [
            {"loc": ["body", field], "msg": reason, "type": "value_error"}
            for field, reasons in exc.errors.items()
            for reason in reasons
        ]
        return Status(413, {"detail": detail, "max_upload_mb": settings.KONTOR_MAX_UPLOAD_MB})
    return Status(201, file_out(request, attachment))


@router.get("/activities/{activity_id}/files", response={200: FileList, 404: dict})
def list_activity_files(request: HttpRequest, activity_id: str, params: Query[FileListParams]):
    activity = activity_get(user=request.user, activity_id=activity_id)
    if activity is None:
        return Status(404, NOT_FOUND)
    return _list(
        request, selectors.activity_attachments(user=request.user, activity=activity), params
    )


@router.post(
    "/activities/{activity_id}/files",
    response={201: FileOut, 404: dict, 413: dict},
    description=UPLOAD_DESCRIPTION,
)
def upload_activity_file(request: HttpRequest, activity_id: str, file: File[UploadedFile]):
    activity = activity_get(user=request.user, activity_id=activity_id)
    if activity is None:
        return Status(404, NOT_FOUND)
    return _upload(request, file, activity=activity)


@router.get("/contacts/{contact_id}/files", response={200: FileList, 404: dict}, tags=["contacts"])
def list_contact_files(request: HttpRequest, contact_id: str, params: Query[FileListParams]):
    """Files of the contact and of its activities."""
    contact = contact_get(user=request.user, contact_id=contact_id)
    if contact is None:
        return Status(404, NOT_FOUND)
    return _list(request, selectors.contact_attachments(user=request.user, contact=contact), params)


@router.post(
    "/contacts/{contact_id}/files",
    response={201: FileOut, 404: dict, 413: dict},
    description=UPLOAD_DESCRIPTION,
    tags=["contacts"],
)
def upload_contact_file(request: HttpRequest, contact_id: str, file: File[UploadedFile]):
    contact = contact_get(user=request.user, contact_id=contact_id)
    if contact is None:
        return Status(404, NOT_FOUND)
    return _upload(request, file, contact=contact)


@router.get(
    "/organizations/{organization_id}/files",
    response={200: FileList, 404: dict},
    tags=["organizations"],
)
def list_organization_files(
    request: HttpRequest, organization_id: str, params: Query[FileListParams]
):
    """Files of the organization, of its people and of their activities."""
    organization = organization_get(user=request.user, organization_id=organization_id)
    if organization is None:
        return Status(404, NOT_FOUND)
    attachments = selectors.organization_attachments(user=request.user, organization=organization)
    return _list(request, attachments, params)


@router.post(
    "/organizations/{organization_id}/files",
    response={201: FileOut, 404: dict, 413: dict},
    description=UPLOAD_DESCRIPTION,
    tags=["organizations"],
)
def upload_organization_file(request: HttpRequest, organization_id: str, file: File[UploadedFile]):
    organization = organization_get(user=request.user, organization_id=organization_id)
    if organization is None:
        return Status(404, NOT_FOUND)
    return _upload(request, file, organization=organization)


@router.get(
    "/files/{file_id}",
    response={200: None, 404: dict},
    url_name="file_download",
    openapi_extra={"responses": {200: {"description": "The file's bytes"}}},
)
def download_file(request: HttpRequest, file_id: str):
    """The file's bytes, for users who may see the record it is attached to."""
    attachment = selectors.attachment_get(user=request.user, attachment_id=file_id)
    if attachment is None:
        return Status(404, NOT_FOUND)
    return file_response(attachment)


@router.delete("/files/{file_id}", response={204: None, 404: dict})
def delete_file(request: HttpRequest, file_id: str):
    attachment = selectors.attachment_get(user=request.user, attachment_id=file_id)
    if attachment is None:
        return Status(404, NOT_FOUND)
    services.attachment_delete(actor=request.user, attachment=attachment)
    return Status(204, None)


def file_response(attachment: Attachment) -> FileResponse:
    """Always a download, never rendered in Kontor's origin: an uploaded HTML
    or SVG file must not run as a page of Kontor."""
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )
    response["Content-Length"] = str(attachment.size)
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
