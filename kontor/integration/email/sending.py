"""Sending a queued email on the worker: the stored bytes through Django's
email backend (KONTOR_SMTP_URL), then the email activity on the customer."""

import email.utils
import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kontor.activities.models import Direction, Kind
from kontor.activities.services import TEXT_LIMITS, activity_create
from kontor.contacts.normalization import InvalidContactPoint, normalize_email
from kontor.integration.models import EmailStatus, OutgoingEmail

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"


class _StoredMime:
    """The stored bytes where Django's backends expect a MIME message."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw

    def as_bytes(self, linesep: str = "\n", **_kwargs: Any) -> bytes:
        return self.raw.replace(b"\r\n", linesep.encode())

    def get_charset(self) -> None:
        return None


class _StoredMessage(EmailMessage):
    def __init__(self, outgoing: OutgoingEmail) -> None:
        super().__init__(
            from_email=outgoing.from_address, to=outgoing.to_addresses, cc=outgoing.cc_addresses
        )
        self._raw = bytes(outgoing.raw)

    def message(self, **_kwargs: Any) -> Any:  # type: ignore[override]
        return _StoredMime(self._raw)


def deliver(outgoing_id: Any) -> str:
    """Send a queued email once (the worker's job). Raises when the server
    fails, so the queue tries again; a message sent already is not sent
    again."""
    outgoing = OutgoingEmail.objects.filter(pk=outgoing_id).first()
    if outgoing is None or outgoing.status in (EmailStatus.SENT, EmailStatus.WRITTEN):
        return "done before"
    OutgoingEmail.objects.filter(pk=outgoing.pk).update(attempts=outgoing.attempts + 1)
    try:
        get_connection(fail_silently=False).send_messages([_StoredMessage(outgoing)])
    except Exception as exc:
        failed = outgoing.attempts + 1 >= MAX_ATTEMPTS
        OutgoingEmail.objects.filter(pk=outgoing.pk).update(
            error=f"{type(exc).__name__}: {exc}"[:500],
            status=EmailStatus.FAILED if failed else EmailStatus.QUEUED,
        )
        raise
    written = settings.EMAIL_BACKEND == FILE_BACKEND
    if written:
        logger.warning(
            "no KONTOR_SMTP_URL: email %s written to %s, not sent",
            outgoing.message_id,
            settings.EMAIL_FILE_PATH,
        )
    _record_sent(outgoing, written=written)
    return "written to a file" if written else "sent"


def _record_sent(outgoing: OutgoingEmail, *, written: bool) -> None:
    with transaction.atomic():
        outgoing.status = EmailStatus.WRITTEN if written else EmailStatus.SENT
        outgoing.sent_at = timezone.now()
        outgoing.error = (
            _("No KONTOR_SMTP_URL is set: written to a file on the server, not sent.")
            if written
            else ""
        )
        try:
            with transaction.atomic():
                outgoing.activity = _log_activity(outgoing)
        except Exception as exc:  # the email went out; say why it is not on the timeline
            logger.exception("sent email %s could not be logged", outgoing.pk)
            outgoing.error = f"sent, but not logged on the timeline: {exc}"[:500]
        outgoing.save(update_fields=["status", "sent_at", "error", "activity", "updated_at"])


def _checked_address(value: str) -> str:
    """The sender's address for the timeline; empty for one the timeline
    would refuse (the default kontor@localhost has no real domain)."""
    address = email.utils.parseaddr(value)[1]
    try:
        normalize_email(address)
    except InvalidContactPoint:
        return ""
    return address


def _log_activity(outgoing: OutgoingEmail) -> Any:
    link = (
        {"contact_id": outgoing.contact_id}
        if outgoing.contact_id
        else {"organization_id": outgoing.organization_id}
    )
    if outgoing.contact_id and outgoing.organization_id:
        link["organization_id"] = outgoing.organization_id
    actor = outgoing.requested_by
    return activity_create(
        actor=actor,
        author=actor,
        data={
            "kind": Kind.EMAIL,
            "direction": Direction.OUTBOUND,
            "subject": outgoing.subject,
            "body": outgoing.body_text[: TEXT_LIMITS["body"]],
            "body_html": outgoing.body_html[: TEXT_LIMITS["body_html"]],
            "occurred_at": outgoing.sent_at,
            "message_id": outgoing.message_id,
            "thread": outgoing.thread,
            "from": _checked_address(outgoing.from_address),
            "to": outgoing.to_addresses,
            "cc": outgoing.cc_addresses,
            **outgoing.links,
            **link,
        },
    )
