"""Writes of the register of requests: recording a request and closing
it. Each takes the acting user, checks that their roles handle requests of
data subjects and writes the audit entry."""

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kontor.audit.models import AuditAction
from kontor.audit.services import audit_record
from kontor.core.exceptions import FieldErrors, PermissionDenied
from kontor.core.processing import purposes as processing_purposes
from kontor.privacy.deadlines import deadline_for
from kontor.privacy.models import DataSubjectRequest, RequestStatus, RequestType
from kontor.privacy.selectors import may_handle_requests
from kontor.privacy.subjects import find_person

NOTES_MAX = 10_000


def require_request_handler(actor: Any) -> None:
    if not may_handle_requests(actor):
        raise PermissionDenied(
            _("Only the data protection officer handles requests of data subjects.")
        )


def _clean_notes(notes: Any) -> str:
    notes = str(notes or "").strip()
    if len(notes) > NOTES_MAX:
        raise FieldErrors.single("notes", _("At most 10000 characters."))
    return notes


@transaction.atomic
def request_create(
    *,
    actor: Any,
    type: str,
    contact_id: Any = None,
    email: str | None = None,
    phone: str | None = None,
    received_on: datetime.date | None = None,
    notes: str = "",
    purposes: list[str] | None = None,
) -> DataSubjectRequest:
    """Record a request of a data subject, received on ``received_on``
    (today if not given); it is due one month later. An objection may name
    the ``purposes`` (their keys) it objects to; none: every purpose."""
    require_request_handler(actor)
    if type not in RequestType.values:
        raise FieldErrors.single("type", _("Not a type of request."))
    purposes = _clean_purposes(type, purposes or [])
    today = timezone.localdate()
    received_on = received_on or today
    if received_on > today:
        raise FieldErrors.single("received_on", _("A request cannot be received in the future."))
    person, found_by, identifier = find_person(contact_id=contact_id, email=email, phone=phone)
    request = DataSubjectRequest.objects.create(
        type=type,
        contact=person,
        found_by=found_by,
        identifier=identifier,
        received_on=received_on,
        deadline=deadline_for(received_on),
        created_by=actor,
        notes=_clean_notes(notes),
        purposes=purposes,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        record=request,
        changes={
            "type": (None, request.type),
            "contact": (None, str(person.pk)),
            "found_by": (None, found_by),
            "received_on": (None, received_on),
            "deadline": (None, request.deadline),
            "status": (None, request.status),
            **({"purposes": (None, purposes)} if purposes else {}),
        },
    )
    return request


def _clean_purposes(type: str, purposes: list[str]) -> list[str]:
    """The purposes an objection names, each a defined purpose's key."""
    if not purposes:
        return []
    if type != RequestType.OBJECTION:
        raise FieldErrors.single("purposes", _("Only an objection names purposes."))
    known = {purpose["key"] for purpose in processing_purposes()}
    unknown = sorted({str(key) for key in purposes} - known)
    if unknown:
        raise FieldErrors.single(
            "purposes", _("Not a purpose: %(keys)s.") % {"keys": ", ".join(unknown)}
        )
    return list(dict.fromkeys(str(key) for key in purposes))


@transaction.atomic
def request_close(
    *, actor: Any, request: DataSubjectRequest, status: str, notes: str | None = None
) -> DataSubjectRequest:
    """Mark an open request done or rejected (a rejection says why in ``notes``)."""
    require_request_handler(actor)
    request = DataSubjectRequest.objects.select_for_update().get(pk=request.pk)
    if status not in (RequestStatus.DONE, RequestStatus.REJECTED):
        raise FieldErrors.single("status", _("A request is closed as done or rejected."))
    if not request.is_open:
        raise FieldErrors.single("status", _("This request is closed already."))
    new_notes = request.notes if notes is None else _clean_notes(notes)
    if status == RequestStatus.REJECTED and not new_notes:
        raise FieldErrors.single("notes", _("Say why the request is rejected."))
    before = {"status": request.status, "notes": request.notes}
    request.status = status
    request.notes = new_notes
    request.done_at = timezone.now()
    request.done_by = actor
    request.save(update_fields=["status", "notes", "done_at", "done_by", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        record=request,
        changes={
            field: (old, getattr(request, field))
            for field, old in before.items()
            if old != getattr(request, field)
        },
    )
    return request
