"""API of imports: upload a file to import (it runs on the worker), read
how far it got, download the rows it could not take."""

import json
from typing import Literal
from uuid import UUID

from django.http import HttpRequest, StreamingHttpResponse
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile
from pydantic import Field

from kontor.api.schemas import Schema
from kontor.core.exceptions import FieldErrors
from kontor.imports import selectors, services
from kontor.imports.tasks import import_start

router = Router(tags=["imports"])
NOT_FOUND = {"detail": "Not found."}
UPDATE_MODES = {"": "", "create_only": "", "email": "email", "external_id": "external_id",
                "phone": "phone"}  # fmt: skip


class ImportCreated(Schema):
    id: UUID
    status: Literal["queued", "running", "done", "failed"]


class ImportOut(Schema):
    status: Literal["queued", "running", "done", "failed"]
    rows_total: int | None = Field(description="null until the worker counted the rows.")
    rows_done: int
    created: int
    updated: int
    unchanged: int
    rejected: int


def _columns(mapping: str | None) -> dict:
    if mapping is None or not mapping.strip():
        return {}
    try:
        columns = json.loads(mapping)
    except ValueError:
        raise FieldErrors.single("mapping", 'must be JSON: {"column header": "target"}') from None
    if not isinstance(columns, dict) or not all(
        isinstance(target, str | None) for target in columns.values()
    ):
        raise FieldErrors.single("mapping", "must be an object of column headers and targets")
    return columns


@router.post(
    "/imports",
    response={201: ImportCreated, 403: dict, 413: dict, 422: dict},
    description=(
        "Upload a CSV (delimiter and encoding detected), XLSX or vCard file of contacts or "
        "organizations. `mapping` (JSON) maps column headers to targets; columns it does not "
        "name are guessed from their headers. `update_by`: `email`, `external_id`, `phone` or "
        "`create_only` (default). The import runs on the worker; read its state at "
        "`GET /imports/{id}`."
    ),
)
def create_import(
    request: HttpRequest,
    file: File[UploadedFile],
    type: Form[Literal["contacts", "organizations"]],
    mapping: Form[str | None] = None,
    dry_run: Form[bool] = False,
    update_by: Form[str] = "",
):
    if update_by not in UPDATE_MODES:
        raise FieldErrors.single(
            "update_by", "must be one of: create_only, email, external_id, phone"
        )
    data_import = services.import_create(
        actor=request.user,
        upload=file,
        filename=file.name or "import",
        record_type=type,
        columns=_columns(mapping),
        update_by=UPDATE_MODES[update_by],
        dry_run=dry_run,
    )
    import_start(data_import)
    return Status(201, {"id": data_import.pk, "status": data_import.status})


@router.get("/imports/{import_id}", response={200: ImportOut, 404: dict})
def get_import(request: HttpRequest, import_id: str):
    """How far an import got (only its user and administrators see it)."""
    found = selectors.import_get(user=request.user, import_id=import_id)
    if found is None:
        return Status(404, NOT_FOUND)
    return found


@router.get(
    "/imports/{import_id}/errors.csv",
    response={200: None, 404: dict},
    openapi_extra={
        "responses": {200: {"description": "The original rows plus a reason column.",
                            "content": {"text/csv": {}}}}
    },
)  # fmt: skip
def import_errors(request: HttpRequest, import_id: str):
    """The rows the import could not take, each with the reason."""
    found = selectors.import_get(user=request.user, import_id=import_id)
    if found is None:
        return Status(404, NOT_FOUND)
    response = StreamingHttpResponse(
        services.error_report_chunks(found), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{services.error_report_filename(found)}"'
    )
    response["Cache-Control"] = "no-store"
    return response
