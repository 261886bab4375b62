"""Acting on what mail systems report back (``multipart/report``): a bounce
marks the address as bouncing on its contacts, a delay counts a temporary
failure, a read receipt is linked to the email it is about, an abuse
complaint marks the address as not to be emailed. A bounce or a complaint
comes from a machine (the mailer daemon, a feedback loop), so it is not
filed as a conversation with it."""

import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from kontor.activities.models import Activity, Kind
from kontor.contacts.email_status import (
    email_address_count_temporary_failure,
    email_address_mark_bouncing,
    email_address_mark_do_not_email,
)
from kontor.mail.models import InboundMessage, MessageKind
from kontor.mail.parsing import ParsedMessage
from kontor.mail.report_reading import Report

DAEMONS = {"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon"}
KINDS = {
    "delivery-status": MessageKind.DELIVERY_REPORT,
    "disposition-notification": MessageKind.READ_RECEIPT,
    "feedback-report": MessageKind.COMPLAINT,
}


def is_filed_as_conversation(parsed: ParsedMessage) -> bool:
    """A read receipt comes from the person who read the message and joins
    its thread; bounces and complaints come from machines and do not."""
    if parsed.report is not None:
        return parsed.report.kind == "disposition-notification"
    return not looks_like_bounce(parsed)


def looks_like_bounce(parsed: ParsedMessage) -> bool:
    """A bounce in free text, without a delivery status part."""
    sender = parsed.sender.normalized if parsed.sender else ""
    return sender.split("@", 1)[0] in DAEMONS


def _report_data(report: Report) -> dict[str, Any]:
    return {
        "type": report.kind,
        "original_message_id": report.original_message_id,
        "recipients": [
            {
                "address": r.address,
                "action": r.action,
                "status": r.status,
                "diagnostic": r.diagnostic,
                "permanent_failure": r.permanent_failure,
                "temporary_failure": r.temporary_failure,
            }
            for r in report.recipients
        ],
        "disposition": report.disposition,
        "reader": report.reader,
        "feedback_type": report.feedback_type,
        "complainants": report.complainants,
    }


def _sent_email(message_id: str) -> Activity | None:
    if not message_id:
        return None
    return (
        Activity.objects.filter(kind=Kind.EMAIL, message_id=message_id)
        .order_by("occurred_at", "id")
        .first()
    )


def _when(parsed: ParsedMessage) -> datetime.datetime:
    report = parsed.report
    return (report.arrived_at if report else None) or parsed.date or timezone.now()


def report_act_on(
    *, actor: AbstractBaseUser, parsed: ParsedMessage, message: InboundMessage
) -> None:
    """Note on ``message`` what the report says and act on it; the caller
    saves the message."""
    report = parsed.report
    if report is None:
        if looks_like_bounce(parsed):
            message.kind = MessageKind.DELIVERY_REPORT
            parsed.problem(
                "a bounce without a machine-readable delivery status (RFC 3464): no address "
                "was marked; it is kept unassigned"
            )
        return
    message.kind = KINDS[report.kind]
    message.report = _report_data(report)
    message.refers_to = _sent_email(report.original_message_id)
    when = _when(parsed)
    if report.kind == "delivery-status":
        for recipient in report.recipients:
            if recipient.permanent_failure:
                email_address_mark_bouncing(
                    actor=actor, normalized=recipient.address, reason=recipient.reason, at=when
                )
            elif recipient.temporary_failure:
                email_address_count_temporary_failure(actor=actor, normalized=recipient.address)
    elif report.kind == "feedback-report":
        if report.feedback_type == "abuse":
            if not report.complainants:
                parsed.problem("the abuse report names no recipient; no address was marked")
            for address in report.complainants:
                email_address_mark_do_not_email(
                    actor=actor,
                    normalized=address,
                    reason=f"abuse complaint of {when:%Y-%m-%d}",
                )
    elif report.original_message_id and message.refers_to is None:
        parsed.problem(
            f"the read receipt is about {report.original_message_id[:100]}, "
            "which Kontor does not have"
        )


__all__ = ["is_filed_as_conversation", "looks_like_bounce", "report_act_on"]
