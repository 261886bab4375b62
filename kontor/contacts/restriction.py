"""Restriction of processing (GDPR Art. 18) of a person: the data
protection layer sets and lifts it through ``PersonalData.restrict``
(kontor.core.records); the access policy then hides the person and
everything about them (``RecordType.restricted_by``) from every user whose
roles do not handle requests of data subjects."""

from typing import Any

from django.db import transaction
from django.utils import timezone

from kontor.audit.models import AuditAction
from kontor.audit.services import audit_record
from kontor.contacts.models import Contact
from kontor.contacts.search import refresh_contact_search


def contact_restrict_processing(*, actor: Any, person: Contact, restricted: bool) -> bool:
    """Restrict the processing of ``person`` (``restricted=False``: lift
    it). The caller checks that ``actor`` handles requests of data subjects.
    False if it was so already. No event goes out: a restricted person's
    changes reach no webhook or workflow."""
    with transaction.atomic():
        contact = Contact.objects.select_for_update().get(pk=person.pk)
        before = contact.processing_restricted_at
        if (before is not None) == restricted:
            return False
        contact.processing_restricted_at = timezone.now() if restricted else None
        # A new change time: the warehouse's next export writes the
        # contact's row again once the restriction is lifted.
        contact.save(update_fields=["processing_restricted_at", "updated_at"])
        refresh_contact_search([contact.pk])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            record=contact,
            changes={"processing_restricted_at": [before, contact.processing_restricted_at]},
        )
    person.processing_restricted_at = contact.processing_restricted_at
    return True
