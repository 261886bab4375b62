"""Reading consents: a person's current state per purpose, their history,
and whether a processing for a purpose has a valid legal basis."""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kontor.access.policy import can
from kontor.access.rights import Action
from kontor.consent.models import ConsentRecord, ConsentStatus, LegalBasis, Purpose
from kontor.contacts.selectors import contact_get
from kontor.core.storable_text import is_storable


def purpose_list() -> QuerySet[Purpose]:
    return Purpose.objects.all()


def purpose_by_key(key: Any) -> Purpose | None:
    """The purpose of ``key``; None also for a key no purpose can have
    (PostgreSQL refuses a NUL character even in a query)."""
    key = str(key)
    if not is_storable(key):
        return None
    return Purpose.objects.filter(key=key).first()


def history(contact: Any) -> QuerySet[ConsentRecord]:
    """Every consent record of the person, newest first."""
    return ConsentRecord.objects.filter(contact=contact).select_related("purpose", "recorded_by")


def current(contact: Any) -> list[ConsentRecord]:
    """The latest record per purpose (the person's current state)."""
    latest: dict[Any, ConsentRecord] = {}
    for record in history(contact):
        latest.setdefault(record.purpose_id, record)
    return sorted(latest.values(), key=lambda r: (r.purpose.name, r.purpose.key))


def _latest(contact: Any, purpose: Purpose) -> ConsentRecord | None:
    return ConsentRecord.objects.filter(contact=contact, purpose=purpose).first()


def basis_problem(contact: Any, purpose_key: Any) -> str:
    """Why processing ``contact``'s data for the purpose is not allowed
    ("" when it is): a basis is valid when the latest record grants it and,
    for a purpose that requires consent, that basis is consent (§ 7 UWG for
    advertising email). A withdrawal or objection (Art. 21) stops it."""
    purpose = purpose_by_key(purpose_key)
    if purpose is None:
        return _("There is no purpose “%(key)s”.") % {"key": purpose_key}
    record = _latest(contact, purpose) if contact is not None else None
    return record_problem(purpose, record)


def record_problem(purpose: Purpose, record: ConsentRecord | None) -> str:
    """Why the person's latest ``record`` for ``purpose`` is no valid basis
    ("" when it is)."""
    if record is None:
        return _("No legal basis is recorded for the purpose “%(purpose)s”.") % {
            "purpose": purpose.name
        }
    if record.status == ConsentStatus.OBJECTED:
        return _("The person objected to the purpose “%(purpose)s” (Art. 21 GDPR).") % {
            "purpose": purpose.name
        }
    if record.status != ConsentStatus.GRANTED:
        return _("The person withdrew consent to the purpose “%(purpose)s”.") % {
            "purpose": purpose.name
        }
    if purpose.requires_consent and record.legal_basis != LegalBasis.CONSENT:
        return _("The purpose “%(purpose)s” requires the person's consent (§ 7 UWG).") % {
            "purpose": purpose.name
        }
    return ""


def has_basis(contact: Any, purpose_key: Any) -> bool:
    return not basis_problem(contact, purpose_key)


def is_valid(record: ConsentRecord) -> bool:
    """Whether a current record (the latest of its purpose) is a valid basis."""
    return not record_problem(record.purpose, record)


def consent_answer(record: ConsentRecord, user: Any) -> dict[str, Any] | None:
    """A consent record as ``user`` may read it (for the person's export)."""
    contact = contact_get(user=user, contact_id=record.contact_id)
    if contact is None or not can(user, Action.READ, contact):
        return None
    return record_data(record)


def record_data(record: ConsentRecord) -> dict[str, Any]:
    return {
        "id": str(record.pk),
        "purpose": record.purpose.key,
        "legal_basis": record.legal_basis,
        "status": record.status,
        "since": record.since.isoformat(),
        "source": record.source,
        "evidence": {
            "text_version": record.text_version,
            "at": record.evidence_at.isoformat() if record.evidence_at else None,
            "ip_address": record.ip_address,
            "channel": record.channel,
            "user_agent": record.user_agent,
        },
        "recorded_at": record.created_at.isoformat(),
    }
