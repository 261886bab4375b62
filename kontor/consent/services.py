"""Recording purposes and consents, and the double opt-in by email.

Purposes are defined by administrators. Whoever may edit a contact records
their consents; every record is a new row (append-only history) and is
audited on the contact. The double opt-in sends the person a signed link
(``TimestampSigner``, valid ``KONTOR_CONSENT_OPT_IN_MAX_AGE`` seconds);
opening it confirms the consent and keeps the proof (time, IP address, user
agent, text version)."""

import re
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kontor.access.policy import require
from kontor.access.rights import Action
from kontor.access.services import require_manage_access
from kontor.audit.models import AuditAction
from kontor.audit.services import audit_record
from kontor.consent.models import ConsentRecord, ConsentStatus, LegalBasis, OptIn, Purpose
from kontor.consent.selectors import current, purpose_by_key
from kontor.core.exceptions import FieldErrors
from kontor.core.outgoing_mail import queue_email
from kontor.core.storable_text import UNSTORABLE_REASON, is_storable

SALT = "kontor.consent.opt-in"
DEFAULT_MAX_AGE = 7 * 24 * 3600


def _check_storable(errors: dict[str, list[str]], **texts: Any) -> None:
    for field, value in texts.items():
        if isinstance(value, str) and not is_storable(value):
            errors.setdefault(field, []).append(UNSTORABLE_REASON)


def max_age() -> int:
    return int(getattr(settings, "KONTOR_CONSENT_OPT_IN_MAX_AGE", DEFAULT_MAX_AGE))


@transaction.atomic
def purpose_create(
    *, actor: Any, key: str, name: str, description: str = "", requires_consent: bool = True
) -> Purpose:
    require_manage_access(actor)
    errors: dict[str, list[str]] = {}
    if not re.fullmatch(r"[-a-z0-9_]{1,64}", key or ""):
        errors["key"] = [_("Use 1 to 64 lower-case letters, digits, - or _.")]
    if not (name or "").strip() or len(name) > 200:
        errors["name"] = [_("Give a name of at most 200 characters.")]
    _check_storable(errors, name=name, description=description)
    if errors:
        raise FieldErrors(errors)
    if Purpose.objects.filter(key=key).exists():
        raise FieldErrors.single("key", _("A purpose with this key exists."))
    purpose = Purpose.objects.create(
        key=key, name=name, description=description, requires_consent=requires_consent
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        record=purpose,
        changes={
            "key": (None, key),
            "name": (None, name),
            "requires_consent": (None, requires_consent),
        },
    )
    return purpose


def _purpose(key: Any) -> Purpose:
    purpose = purpose_by_key(key)
    if purpose is None:
        raise FieldErrors.single("purpose", _("There is no such purpose."))
    return purpose


def _create(*, actor: Any, contact: Any, purpose: Purpose, **data: Any) -> ConsentRecord:
    record = ConsentRecord.objects.create(
        contact=contact, purpose=purpose, recorded_by=actor, **data
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        record=record,
        parent=contact,
        changes={
            "purpose": (None, purpose.key),
            "legal_basis": (None, record.legal_basis),
            "status": (None, record.status),
            "source": (None, record.source),
        },
    )
    return record


@transaction.atomic
def consent_record(
    *, actor: Any, contact: Any, purpose_key: Any, data: dict[str, Any]
) -> ConsentRecord:
    """Record a grant, withdrawal or objection for the person. A grant by
    consent counts only with evidence: the text version agreed to and how
    it was given (IP address or channel); a double opt-in gives it."""
    require(actor, Action.EDIT, contact)
    purpose = _purpose(purpose_key)
    errors: dict[str, list[str]] = {}
    status = data.get("status")
    basis = data.get("legal_basis") or LegalBasis.CONSENT
    if status not in ConsentStatus.values:
        errors["status"] = [_("Not a status.")]
    if basis not in LegalBasis.values:
        errors["legal_basis"] = [_("Not a legal basis.")]
    if status == ConsentStatus.GRANTED and basis == LegalBasis.CONSENT:
        if not data.get("text_version"):
            errors["text_version"] = [_("Name the text the person agreed to.")]
        if not data.get("ip_address") and not data.get("channel"):
            errors["channel"] = [_("Give the IP address or the channel of the consent.")]
    _check_storable(
        errors,
        source=data.get("source"),
        text_version=data.get("text_version"),
        channel=data.get("channel"),
    )
    if errors:
        raise FieldErrors(errors)
    now = timezone.now()
    return _create(
        actor=actor,
        contact=contact,
        purpose=purpose,
        legal_basis=basis,
        status=status,
        since=data.get("since") or now,
        source=data.get("source") or "",
        text_version=data.get("text_version") or "",
        evidence_at=data.get("evidence_at") or now,
        ip_address=data.get("ip_address") or None,
        channel=data.get("channel") or "",
    )


@transaction.atomic
def record_objection(
    *, actor: Any, person: Any, purposes: list[str] | None, source: str
) -> list[str]:
    """The person objects (GDPR Art. 21) to ``purposes`` (their keys; None:
    every purpose defined): an ``objected`` record for each that does not
    say so already, so that ``has_basis`` answers no for it. Executing an
    objection request of the register (kontor.privacy) calls it. The keys
    of the purposes objected to; an unknown key is a 422 naming it."""
    require(actor, Action.EDIT, person)
    chosen = Purpose.objects.order_by("key")
    if purposes is not None:
        chosen = chosen.filter(key__in=[key for key in purposes if is_storable(key)])
        unknown = sorted(set(purposes) - set(chosen.values_list("key", flat=True)))
        if unknown:
            raise FieldErrors.single(
                "purposes", _("Not a purpose: %(keys)s.") % {"keys": ", ".join(unknown)}
            )
    now = timezone.now()
    latest_by_purpose = {record.purpose_id: record for record in current(person)}
    objected = []
    for purpose in chosen:
        latest = latest_by_purpose.get(purpose.pk)
        if latest is None or latest.status != ConsentStatus.OBJECTED:
            _create(
                actor=actor,
                contact=person,
                purpose=purpose,
                legal_basis=latest.legal_basis if latest else LegalBasis.LEGITIMATE_INTEREST,
                status=ConsentStatus.OBJECTED,
                since=now,
                source=source,
                text_version="",
                evidence_at=now,
                ip_address=None,
                channel="",
            )
        objected.append(purpose.key)
    return objected


def _address(contact: Any) -> str:
    """The person's first email address that does not bounce."""
    email = contact.emails.filter(bouncing=False).order_by("position", "id").first()
    return email.address if email else ""


def opt_in_link(opt_in: OptIn) -> str:
    token = signing.TimestampSigner(salt=SALT).sign(str(opt_in.pk))
    return settings.KONTOR_BASE_URL + reverse("consent-confirm", args=[token])


@transaction.atomic
def opt_in_request(*, actor: Any, contact: Any, purpose_key: Any, text_version: str) -> OptIn:
    """Email the person a link that confirms their consent to the purpose."""
    require(actor, Action.EDIT, contact)
    purpose = _purpose(purpose_key)
    if not text_version:
        raise FieldErrors.single("text_version", _("Name the text the person agrees to."))
    if not is_storable(text_version):
        raise FieldErrors.single("text_version", UNSTORABLE_REASON)
    address = _address(contact)
    if not address:
        raise FieldErrors.single("email", _("The contact has no email address."))
    opt_in = OptIn.objects.create(
        contact=contact,
        purpose=purpose,
        address=address,
        text_version=text_version,
        requested_by=actor,
    )
    days = max(1, max_age() // 86400)
    text = _(
        "Please confirm that you agree to: %(purpose)s\n\n%(description)s\n\n"
        "Confirm by opening this link (valid for %(days)s days):\n%(link)s\n\n"
        "If you did not ask for this, ignore this email."
    ) % {
        "purpose": purpose.name,
        "description": purpose.description,
        "days": days,
        "link": opt_in_link(opt_in),
    }
    queue_email(
        actor=actor,
        to=[address],
        subject=_("Please confirm: %(purpose)s") % {"purpose": purpose.name},
        text=text,
        contact=contact,
    )
    return opt_in


class InvalidLink(Exception):
    pass


class ExpiredLink(InvalidLink):
    pass


@transaction.atomic
def opt_in_confirm(*, token: str, ip_address: str | None, user_agent: str) -> OptIn:
    """Confirm the opt-in the signed ``token`` names (once; opening it again
    changes nothing). Raises ``ExpiredLink`` or ``InvalidLink``."""
    try:
        pk = signing.TimestampSigner(salt=SALT).unsign(token, max_age=max_age())
    except signing.SignatureExpired as exc:
        raise ExpiredLink from exc
    except signing.BadSignature as exc:
        raise InvalidLink from exc
    opt_in = (
        OptIn.objects.select_for_update().select_related("purpose", "contact").filter(pk=pk).first()
    )
    if opt_in is None:
        raise InvalidLink
    if opt_in.confirmed_at is not None:
        return opt_in
    now = timezone.now()
    record = _create(
        actor=None,
        contact=opt_in.contact,
        purpose=opt_in.purpose,
        legal_basis=LegalBasis.CONSENT,
        status=ConsentStatus.GRANTED,
        since=now,
        source="double opt-in",
        text_version=opt_in.text_version,
        evidence_at=now,
        ip_address=ip_address or None,
        channel=f"email {opt_in.address}"[:100],
        user_agent=(user_agent or "")[:500],
    )
    opt_in.confirmed_at = now
    opt_in.record = record
    opt_in.save(update_fields=["confirmed_at", "record", "updated_at"])
    return opt_in
