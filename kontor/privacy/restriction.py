"""Carrying out restriction (GDPR Art. 18) and objection (Art. 21) requests
through the registries of kontor.core; this module names no domain.

Restriction: the person's type sets its restriction field
(``PersonalData.restrict``); from then on the access policy hides the
person and every record about them (``RecordType.restricted_by``) from
every user whose roles do not handle requests of data subjects — lists,
search, lookup, pages, exports, webhooks, workflows. The copies the access
policy does not guard (the warehouse export's files) lose the person's
rows at once. Lifting the request (``lift_restriction``) brings it all back.

Objection: every registered objection handler (kontor.core.processing)
records an objection for the purposes the request names (none: every
purpose), so that no processing for them has a basis any more.

Both write an audit entry on the request and mark it done."""

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from kontor.audit.models import AuditAction
from kontor.audit.services import audit_record
from kontor.core.exceptions import FieldErrors
from kontor.core.processing import record_objection
from kontor.privacy.models import DataSubjectRequest, RequestStatus, RequestType
from kontor.privacy.services import require_request_handler
from kontor.privacy.subjects import person_type
from kontor.warehouse.erasure import remove_record_rows


def _set_restricted(actor: Any, person: Any, restricted: bool) -> bool:
    path = person_type().personal_data.restrict  # type: ignore[union-attr]
    return import_string(path)(actor=actor, person=person, restricted=restricted)


def _locked(request: DataSubjectRequest, kind: str) -> DataSubjectRequest:
    found = DataSubjectRequest.objects.select_for_update().get(pk=request.pk)
    if found.type != kind:
        raise FieldErrors.single("type", _("This is not a request of this type."))
    if found.status == RequestStatus.REJECTED:
        raise FieldErrors.single("status", _("This request was rejected."))
    if found.contact is None:
        raise FieldErrors.single("contact_id", _("The request names no person."))
    return found


def _carried_out(actor: Any, request: DataSubjectRequest, changes: dict[str, Any]) -> None:
    before = {"status": request.status}
    request.executed_at = timezone.now()
    request.executed_by = actor
    if request.is_open:
        request.status = RequestStatus.DONE
        request.done_at = request.executed_at
        request.done_by = actor
    request.save(
        update_fields=["executed_at", "executed_by", "status", "done_at", "done_by", "updated_at"]
    )
    if before["status"] != request.status:
        changes["status"] = (before["status"], request.status)
    audit_record(actor=actor, action=AuditAction.UPDATE, record=request, changes=changes)


def execute_restriction(*, actor: Any, request: DataSubjectRequest) -> DataSubjectRequest:
    """Restrict the processing of the request's person; the request is done.
    Executing it again changes nothing."""
    require_request_handler(actor)
    with transaction.atomic():
        found = _locked(request, RequestType.RESTRICTION)
        if found.is_carried_out:
            return found
        _set_restricted(actor, found.contact, True)
        _carried_out(actor, found, {"executed_at": (None, "restricted")})
    # The warehouse's files are no read path the access policy guards:
    # the person's rows (and every row naming them) leave them now.
    remove_record_rows([str(found.contact_id)])
    return found


def lift_restriction(*, actor: Any, request: DataSubjectRequest) -> DataSubjectRequest:
    """Lift the restriction a request put in force: the person is visible
    again as before. 422 for a request that is no restriction in force."""
    require_request_handler(actor)
    with transaction.atomic():
        found = _locked(request, RequestType.RESTRICTION)
        if not found.restriction_in_force:
            raise FieldErrors.single("status", _("No restriction of this request is in force."))
        _set_restricted(actor, found.contact, False)
        found.lifted_at = timezone.now()
        found.lifted_by = actor
        found.save(update_fields=["lifted_at", "lifted_by", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            record=found,
            changes={"lifted_at": (None, found.lifted_at)},
        )
    return found


def execute_objection(*, actor: Any, request: DataSubjectRequest) -> DataSubjectRequest:
    """Record the person's objection to the request's purposes (none
    named: every purpose); the request is done. Executing it again changes
    nothing."""
    require_request_handler(actor)
    with transaction.atomic():
        found = _locked(request, RequestType.OBJECTION)
        if found.is_carried_out:
            return found
        objected = record_objection(
            actor=actor,
            person=found.contact,
            purposes=list(found.purposes) or None,
            source=_("objection request of %(date)s") % {"date": found.received_on.isoformat()},
        )
        _carried_out(actor, found, {"purposes": (None, objected)})
    return found
