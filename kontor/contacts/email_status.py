"""What received mail says about an email address: it bounces (a permanent
delivery failure), it failed for a while (temporary failures, counted), or
its owner complained of abuse and is not to be emailed.

These are facts about the address, not about one record: they are noted on
every contact and organization that has it, whoever's mail brought the
report, so that nobody goes on writing to a dead or unwilling address. Each
changed record gets an audit entry by the acting user; callers learn only how
many addresses changed, never which records."""

import datetime
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.db.models import F

from kontor.audit.models import AuditAction
from kontor.audit.services import audit_record
from kontor.contacts.models import EmailAddress

User = AbstractBaseUser | AnonymousUser
STATUS_FIELDS = (
    "bouncing",
    "bounce_reason",
    "bounced_at",
    "temporary_failures",
    "do_not_email",
    "do_not_email_reason",
)
MAX_REASON = EmailAddress._meta.get_field("bounce_reason").max_length


def _audit(actor: User, rows: Iterable[EmailAddress], changes: dict) -> None:
    for row in rows:
        record = row.contact or row.organization
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            record=record,
            changes={f"emails[{row.address}].{name}": pair for name, pair in changes.items()},
        )


def _rows(normalized: str):
    return EmailAddress.objects.filter(normalized=normalized).select_related(
        "contact", "organization"
    )


def email_address_mark_bouncing(
    *, actor: User, normalized: str, reason: str, at: datetime.datetime
) -> int:
    """A permanent failure (RFC 3464 status 5.x.x). Returns the number of
    addresses marked."""
    reason = reason[:MAX_REASON]
    with transaction.atomic():
        rows = list(_rows(normalized))
        for row in rows:
            changes = {"bouncing": [row.bouncing, True]}
            changes["bounce_reason"] = [row.bounce_reason, reason]
            _audit(actor, [row], changes)
        _rows(normalized).update(bouncing=True, bounce_reason=reason, bounced_at=at)
    return len(rows)


def email_address_count_temporary_failure(*, actor: User, normalized: str) -> int:
    """A temporary failure (4.x.x or a delay): counted, the address still works."""
    with transaction.atomic():
        rows = list(_rows(normalized))
        _audit(actor, rows, {"temporary_failures": ["+0", "+1"]})
        _rows(normalized).update(temporary_failures=F("temporary_failures") + 1)
    return len(rows)


def email_address_mark_do_not_email(*, actor: User, normalized: str, reason: str) -> int:
    """Its owner reported our mail as abuse (RFC 5965): write to it no more."""
    reason = reason[:MAX_REASON]
    with transaction.atomic():
        rows = list(_rows(normalized))
        _audit(actor, rows, {"do_not_email": [False, True], "do_not_email_reason": ["", reason]})
        _rows(normalized).update(do_not_email=True, do_not_email_reason=reason)
    return len(rows)


def carry_over_status(old: Iterable[EmailAddress], new: Iterable[EmailAddress]) -> None:
    """Contact points are replaced whole when a record is edited: an address
    that stays keeps what mail said about it."""
    known = {row.normalized: row for row in old}
    for row in new:
        if (before := known.get(row.normalized)) is not None:
            for name in STATUS_FIELDS:
                setattr(row, name, getattr(before, name))


__all__ = [
    "carry_over_status",
    "email_address_count_temporary_failure",
    "email_address_mark_bouncing",
    "email_address_mark_do_not_email",
]
