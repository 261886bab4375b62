"""Sending email for a colleague: queued in the caller's transaction, sent
by the worker through Django's email backend (KONTOR_SMTP_URL), recorded as
an outgoing email activity on the customer once sent.

Domains below this app cannot import it: they queue through the port
``kontor.core.outgoing_mail`` (``queue_email``), which this app wires to
``email_send`` in its ``AppConfig.ready()`` (e.g. a quote to a customer)."""

import email.utils
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction

from kontor.access.policy import require_create
from kontor.activities.links import link_parameters, linked_record
from kontor.activities.models import Kind
from kontor.activities.services import TEXT_LIMITS
from kontor.audit.models import AuditAction
from kontor.audit.services import audit_record
from kontor.contacts.models import Contact, Organization
from kontor.contacts.normalization import InvalidContactPoint, normalize_email
from kontor.core.exceptions import FieldErrors
from kontor.core.records import record_type_for
from kontor.integration.models import OutgoingEmail

logger = logging.getLogger(__name__)

User = AbstractBaseUser | AnonymousUser

MAX_RECIPIENTS = 100
MAX_ATTACHMENTS_BYTES_MB = 25


def _addresses(field: str, values: Sequence[str], errors: dict[str, list[str]]) -> list[str]:
    if isinstance(values, str):
        values = [values]
    cleaned = []
    for index, value in enumerate(values):
        try:
            if not isinstance(value, str):
                raise InvalidContactPoint("must be an email address")
            _name, address = email.utils.parseaddr(value)
            normalize_email(address or value)
        except InvalidContactPoint as exc:
            errors.setdefault(f"{field}[{index}]", []).append(str(exc))
            continue
        cleaned.append(value.strip())
    if len(cleaned) > MAX_RECIPIENTS:
        errors.setdefault(field, []).append(f"must have at most {MAX_RECIPIENTS} addresses")
    return cleaned


def _domain(sender: str) -> str:
    _name, address = email.utils.parseaddr(sender)
    return address.rpartition("@")[2] or "localhost"


def email_send(
    *,
    actor: User,
    to: Sequence[str],
    subject: str,
    text: str,
    html: str = "",
    cc: Sequence[str] = (),
    attachments: Sequence[tuple[str, bytes, str]] = (),
    contact: Contact | None = None,
    organization: Organization | None = None,
    in_reply_to: str = "",
    links: Mapping[str, Any] | None = None,
    from_address: str = "",
    references: Sequence[str] = (),
) -> OutgoingEmail:
    """Queue an email from ``from_address`` (default KONTOR_EMAIL_FROM) to
    ``to`` (and ``cc``) about ``contact`` and/or ``organization`` (records
    the actor read through a selector), with ``attachments`` as ``(name,
    bytes, content type)``; with attachments the text may be empty.
    ``in_reply_to`` (a Message-ID) puts it in that thread, with the
    ``references`` of the message it answers before it. ``links`` names
    one more record the logged activity links to, by its API parameter
    (``{"deal_id": …}``, kontor.activities.links), checked now against what
    the actor may read. The worker sends it and logs it on the customer's
    timeline; the returned row tells how it went."""
    errors: dict[str, list[str]] = {}
    recipients = _addresses("to", to, errors)
    copies = _addresses("cc", cc, errors)
    if not recipients and "to" not in errors and not any(k.startswith("to[") for k in errors):
        errors["to"] = ["give at least one recipient"]
    subject = (subject or "").strip()
    if not subject:
        errors["subject"] = ["is required"]
    elif len(subject) > TEXT_LIMITS["subject"] or "\n" in subject or "\r" in subject:
        errors["subject"] = [f"must be one line of at most {TEXT_LIMITS['subject']} characters"]
    if not (text or "").strip() and not (html or "").strip() and not attachments:
        errors["text"] = ["give the text of the email"]
    if contact is None and organization is None:
        errors["contact_id"] = ["give the contact or organization the email is for"]
    size = sum(len(data) for _name, data, _type in attachments)
    if size > MAX_ATTACHMENTS_BYTES_MB * 1024 * 1024:
        errors["attachments"] = [f"must be at most {MAX_ATTACHMENTS_BYTES_MB} MB together"]
    stored_links = _links(actor, links or {}, errors)
    if errors:
        raise FieldErrors(errors)
    if contact is not None and organization is None:
        organization = contact.organization
    parent = contact or organization
    require_create(
        actor, "activity", owner_ids=record_type_for(parent).owner_ids(parent), parents=[parent]
    )
    sender = (from_address or "").strip() or settings.DEFAULT_FROM_EMAIL
    message_id = email.utils.make_msgid(domain=_domain(sender))
    thread = _thread_of(in_reply_to) or message_id
    headers = {"Message-ID": message_id, "Date": email.utils.formatdate(localtime=True)}
    if in_reply_to:
        chain = [r for r in references if r and r != in_reply_to][-20:]
        headers.update({"In-Reply-To": in_reply_to, "References": " ".join([*chain, in_reply_to])})
    message = EmailMultiAlternatives(
        subject=subject, body=text or "", from_email=sender, to=recipients, cc=copies,
        headers=headers,
    )  # fmt: skip
    if html:
        message.attach_alternative(html, "text/html")
    for name, data, content_type in attachments:
        message.attach(name, data, content_type or "application/octet-stream")
    raw = message.message().as_bytes(linesep="\r\n")
    with transaction.atomic():
        outgoing = OutgoingEmail.objects.create(
            requested_by=actor if actor.is_authenticated else None,
            contact=contact,
            organization=organization,
            message_id=message_id,
            thread=thread[:998],
            from_address=sender,
            to_addresses=recipients,
            cc_addresses=copies,
            subject=subject,
            body_text=text or "",
            body_html=html or "",
            raw=raw,
            links=stored_links,
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            record=outgoing,
            changes={"to": [None, recipients], "subject": [None, subject]},
            parent=parent,
        )
        from kontor.integration.email import sending
        from kontor.integration.email.tasks import send_outgoing_email
        from kontor.tasks.services import enqueue

        enqueue(
            send_outgoing_email,
            args=[str(outgoing.pk)],
            name=f"Send email: {subject[:100]}",
            unique_key=f"email.send:{outgoing.pk}",
            max_attempts=sending.MAX_ATTEMPTS,
            backoff_seconds=60,
            requested_by=actor,
        )
    return outgoing


def _links(actor: User, links: Mapping[str, Any], errors: dict[str, list[str]]) -> dict[str, str]:
    """The links as JSON, each to a record the actor may read."""
    parameters = link_parameters()
    stored = {}
    for parameter, record_id in links.items():
        if record_id is None:
            continue
        kind = parameters.get(parameter)
        if kind is None:
            errors.setdefault(parameter, []).append("is not a link of an email")
        elif _readable(actor, kind.key, record_id) is None:
            errors.setdefault(parameter, []).append(f"is not an existing {kind.key}")
        else:
            stored[parameter] = str(record_id)
    return stored


def _readable(actor: User, key: str, record_id: Any) -> Any:
    try:
        return linked_record(actor, key, record_id)
    except (ValueError, ValidationError):  # not an id at all
        return None


def _thread_of(message_id: str) -> str:
    if not message_id:
        return ""
    from kontor.activities.models import Activity

    return (
        Activity.objects.filter(kind=Kind.EMAIL, message_id=message_id)
        .exclude(thread="")
        .values_list("thread", flat=True)
        .first()
        or message_id
    )
