"""API of the ERP sync: upsert one record or a batch by the source's own
ids, archive one (docs/integrations.md)."""

import json
from typing import Any
from uuid import UUID

from django.conf import settings
from django.http import HttpRequest
from ninja import Body, Router, Status
from pydantic import Field

from kontor.api.schemas import Schema
from kontor.core.exceptions import FieldErrors
from kontor.integration.sync import services

router = Router(tags=["sync"])


class SyncResult(Schema):
    external_id: str
    id: UUID | None = Field(description="The record in Kontor.")
    status: str = Field(description="created, updated, unchanged, archived or error")
    errors: dict[str, list[str]] = Field(description="Per field, for status error.")


class SyncBatchResult(Schema):
    results: list[SyncResult]
    counts: dict[str, int] = Field(description="How many records had each status.")


BATCH_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "array",
                    "maxItems": services.MAX_BATCH,
                    "items": {
                        "type": "object",
                        "required": ["external_id"],
                        "properties": {"external_id": {"type": "string"}},
                        "additionalProperties": True,
                    },
                }
            }
        },
    }
}


def _not_found(exc: LookupError):
    return Status(404, {"detail": str(exc)})


def _batch_body(request: HttpRequest) -> list[Any]:
    limit = settings.KONTOR_SYNC_MAX_BATCH_MB * 1024 * 1024
    raw = request.read(limit + 1)
    if len(raw) > limit:
        raise FieldErrors.single(
            "records", f"the batch is larger than {settings.KONTOR_SYNC_MAX_BATCH_MB} MB"
        )
    try:
        records = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise FieldErrors.single("records", "the body is no JSON") from None
    if not isinstance(records, list):
        raise FieldErrors.single("records", 'send a JSON list: [{"external_id": …}, …]')
    return records


# Before the routes with {external_id}, which "batch" would match too.
@router.post(
    "/sync/{kind}/{source}/batch",
    response={200: SyncBatchResult, 404: dict},
    openapi_extra=BATCH_BODY,
)
def sync_batch(request: HttpRequest, kind: str, source: str):
    """Create or update up to 10 000 records at once; one result per
    record, in order. Valid records are stored even when others fail."""
    try:
        services.sync_kind(kind)
    except services.UnknownKind as exc:
        return _not_found(exc)
    results = services.sync_records(
        actor=request.user, kind=kind, source=source, records=_batch_body(request)
    )
    counts: dict[str, int] = {}
    for result in results:
        counts[result["status"]] = counts.get(result["status"], 0) + 1
    return {"results": results, "counts": counts}


@router.put(
    "/sync/{kind}/{source}/{external_id}",
    response={200: SyncResult, 201: SyncResult, 404: dict},
)
def sync_one(
    request: HttpRequest, kind: str, source: str, external_id: str, payload: Body[dict[str, Any]]
):
    """Create or update the record ``source`` knows by ``external_id``; the
    same body twice changes nothing (status unchanged)."""
    if payload.get("external_id", external_id) != external_id:
        raise FieldErrors.single("external_id", "differs from the one in the URL")
    try:
        (result,) = services.sync_records(
            actor=request.user,
            kind=kind,
            source=source,
            records=[{**payload, "external_id": external_id}],
        )
    except services.UnknownKind as exc:
        return _not_found(exc)
    if result["status"] == "error":
        raise FieldErrors(result["errors"])
    return Status(201 if result["status"] == "created" else 200, result)


@router.delete("/sync/{kind}/{source}/{external_id}", response={200: SyncResult, 404: dict})
def sync_archive(request: HttpRequest, kind: str, source: str, external_id: str):
    """Archive the record: hidden from lists and search, its history kept;
    GET by its id still answers it, with archived_at."""
    try:
        return services.sync_archive(
            actor=request.user, kind=kind, source=source, external_id=external_id
        )
    except (services.UnknownKind, services.UnknownRecord) as exc:
        return _not_found(exc)
