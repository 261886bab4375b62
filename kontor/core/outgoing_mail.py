"""The port through which a domain queues an outgoing email without knowing
who sends it.

The app that sends email (the floor above the domains) registers its queue
and its reader in its ``AppConfig.ready()``; a domain calls ``queue_email``
inside its own transaction, so a rollback queues nothing, and reads how the
email went with ``queued_email``. The queue sends on the worker, retries
with backoff and logs the email activity on the customer once it is sent.

Nothing registered means no app sends email: both functions then raise
``ImproperlyConfigured`` rather than losing the message."""

import datetime
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string


class QueuedEmail(Protocol):
    """What the queue answers about an email: ``status`` is ``queued``,
    ``sent``, ``written`` (no mail server configured: kept in a file) or
    ``failed`` (the retries are used up); ``activity_id`` names the email on
    the customer's timeline once sent."""

    pk: Any
    status: str
    message_id: str
    attempts: int
    error: str
    sent_at: datetime.datetime | None
    activity_id: Any


class EmailQueue(Protocol):
    def __call__(
        self,
        *,
        actor: Any,
        to: Sequence[str],
        subject: str,
        text: str,
        attachments: Sequence[tuple[str, bytes, str]] = (),
        contact: Any = None,
        organization: Any = None,
        links: Mapping[str, Any] | None = None,
        from_address: str = "",
        in_reply_to: str = "",
        references: Sequence[str] = (),
    ) -> QueuedEmail: ...


class EmailReader(Protocol):
    def __call__(self, *, user: Any, email_id: Any) -> QueuedEmail | None: ...


_registered: dict[str, Callable[..., Any] | str] = {}


def register_email_queue(queue: EmailQueue | str, *, reader: EmailReader | str) -> None:
    """Make ``queue`` (a callable or its dotted path) the one that sends
    outgoing email, and ``reader`` the one that tells how an email went (for
    a user: ``None`` when the user may not see it)."""
    _registered.update(queue=queue, reader=reader)


def _resolve(name: str) -> Callable[..., Any]:
    target = _registered.get(name)
    if target is None:
        raise ImproperlyConfigured(
            "No outgoing email queue is registered: install the app that sends email "
            "(it calls kontor.core.outgoing_mail.register_email_queue in its ready())."
        )
    return import_string(target) if isinstance(target, str) else target


def queue_email(
    *,
    actor: Any,
    to: Sequence[str],
    subject: str,
    text: str,
    attachments: Sequence[tuple[str, bytes, str]] = (),
    contact: Any = None,
    organization: Any = None,
    links: Mapping[str, Any] | None = None,
    from_address: str = "",
    in_reply_to: str = "",
    references: Sequence[str] = (),
) -> QueuedEmail:
    """Queue an email from ``from_address`` (default: the configured sender)
    to ``to`` about ``contact`` and/or ``organization`` (records the actor
    read through a selector), with ``attachments`` as ``(name, bytes,
    content type)``. ``links`` (e.g. ``{"deal_id": …}``) also links the
    logged email activity to that record. Raises ``FieldErrors`` for bad
    input and ``PermissionDenied`` when the actor may not log an email on
    the customer; joins the caller's transaction. ``in_reply_to`` and
    ``references`` (Message-IDs) put it in the thread of the mail it answers."""
    return _resolve("queue")(
        actor=actor,
        to=to,
        subject=subject,
        text=text,
        attachments=attachments,
        contact=contact,
        organization=organization,
        links=links,
        from_address=from_address,
        in_reply_to=in_reply_to,
        references=references,
    )


def queued_email(*, user: Any, email_id: Any) -> QueuedEmail | None:
    """How the queued email ``email_id`` went, if ``user`` may see it."""
    return _resolve("reader")(user=user, email_id=email_id)
