"""Reading what mail systems report back in a ``multipart/report``: a
delivery status notification (RFC 3464: bounce, delay, delivery), a read
receipt (RFC 8098) or an abuse report (RFC 5965). ``parse_message`` keeps
the report's parts as they came; this reads them."""

import datetime
import re
from dataclasses import dataclass, field
from email import policy
from email.message import Message
from email.parser import BytesHeaderParser, BytesParser
from email.utils import getaddresses, parsedate_to_datetime

from kontor.contacts.normalization import InvalidContactPoint, normalize_email
from kontor.mail.parsing import (
    MAX_ADDRESSES,
    ParsedMessage,
    _legacy_header,
    _message_ids,
    _storable,
)

_SUCCESS_ACTIONS = {"delivered", "relayed", "expanded"}
_STATUS = re.compile(r"^\s*([245])\.(\d{1,3})\.(\d{1,3})")


@dataclass(frozen=True)
class RecipientStatus:
    """One recipient of a delivery status notification (RFC 3464)."""

    address: str  # normalized
    action: str  # failed, delayed, delivered, relayed, expanded
    status: str  # e.g. "5.1.1"
    diagnostic: str

    @property
    def permanent_failure(self) -> bool:
        if self.status:
            return self.status.startswith("5") and self.action not in _SUCCESS_ACTIONS
        return self.action == "failed"

    @property
    def temporary_failure(self) -> bool:
        if self.status:
            return self.status.startswith("4") and self.action not in _SUCCESS_ACTIONS
        return self.action == "delayed"

    @property
    def reason(self) -> str:
        return " ".join(x for x in (self.status, self.diagnostic) if x)[:500] or self.action


@dataclass
class Report:
    """What a ``multipart/report`` says: a delivery status notification
    (bounce, delay), a read receipt (RFC 8098) or an abuse report (RFC 5965)."""

    kind: str  # delivery-status, disposition-notification, feedback-report
    recipients: list[RecipientStatus] = field(default_factory=list)
    disposition: str = ""  # displayed, deleted, dispatched, processed
    reader: str = ""  # the recipient who read or deleted the message (normalized)
    feedback_type: str = ""  # abuse, fraud, virus, not-spam, ...
    complainants: list[str] = field(default_factory=list)  # normalized addresses
    original_message_id: str = ""
    arrived_at: datetime.datetime | None = None


def _field_blocks(data: bytes) -> list[Message]:
    """The header-like blocks of a report part, split at empty lines."""
    text = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    blocks = [b.strip(b"\n") for b in re.split(rb"\n[ \t]*\n", text)]
    parser = BytesHeaderParser(policy=policy.compat32)
    return [parser.parsebytes(b + b"\n\n") for b in blocks if b]


def _field(block: Message, name: str, parsed: ParsedMessage) -> str:
    value = block.get(name)
    if value is None:
        return ""
    return _storable(" ".join(str(value).split()), parsed, name)


def _typed_address(value: str, parsed: ParsedMessage, where: str) -> str:
    """``rfc822; anna@example.com`` → the normalized address, or ""."""
    kind, _, address = value.partition(";")
    address = (address if _ else kind).strip().strip("<>").strip()
    if not address:
        return ""
    try:
        return normalize_email(address).normalized
    except InvalidContactPoint:
        parsed.problem(f"unreadable address in the {where} field of a report: {address[:100]}")
        return ""


def _report_date(text: str) -> datetime.datetime | None:
    if not text:
        return None
    try:
        value = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return value.replace(tzinfo=datetime.UTC) if value.tzinfo is None else value


def _read_part(kind: str, data: bytes, parsed: ParsedMessage) -> Report:
    report = Report(kind=kind)
    blocks = _field_blocks(data)
    if not blocks:
        parsed.problem(f"the {kind} part is empty; nothing could be read from it")
    for block in blocks:
        if report.arrived_at is None:
            report.arrived_at = _report_date(_field(block, "Arrival-Date", parsed))
        if kind == "delivery-status":
            recipient = _typed_address(
                _field(block, "Original-Recipient", parsed), parsed, "Original-Recipient"
            ) or _typed_address(_field(block, "Final-Recipient", parsed), parsed, "Final-Recipient")
            if not recipient:
                continue
            status = _STATUS.match(_field(block, "Status", parsed))
            diagnostic = _field(block, "Diagnostic-Code", parsed)
            kind_of_code, semicolon, text = diagnostic.partition(";")
            report.recipients.append(
                RecipientStatus(
                    address=recipient,
                    action=_field(block, "Action", parsed).lower().split(" ")[0],
                    status=".".join(status.groups()) if status else "",
                    diagnostic=(text if semicolon else kind_of_code).strip()[:400],
                )
            )
        elif kind == "disposition-notification":
            disposition = _field(block, "Disposition", parsed)
            if disposition:
                report.disposition = disposition.rpartition(";")[2].strip().split("/")[0].lower()
            report.reader = report.reader or _typed_address(
                _field(block, "Final-Recipient", parsed), parsed, "Final-Recipient"
            )
            original = _message_ids(_field(block, "Original-Message-ID", parsed))
            report.original_message_id = report.original_message_id or next(iter(original), "")
        else:  # feedback-report
            report.feedback_type = (
                report.feedback_type or _field(block, "Feedback-Type", parsed).lower()
            )
            for value in block.get_all("Original-Rcpt-To") or []:
                address = _typed_address(" ".join(str(value).split()), parsed, "Original-Rcpt-To")
                if address and address not in report.complainants:
                    report.complainants.append(address)
    if kind == "delivery-status" and blocks and not report.recipients:
        parsed.problem("the delivery status names no recipient (Final-Recipient)")
    if kind == "disposition-notification" and not report.disposition:
        parsed.problem("the read receipt has no Disposition field")
    if kind == "feedback-report" and not report.feedback_type:
        parsed.problem("the feedback report has no Feedback-Type field")
    return report


def _read_original(data: bytes) -> tuple[str, list[str]]:
    """The Message-ID and the recipients of the original message (or its
    headers) a report returns."""
    try:
        headers = BytesParser(policy=policy.compat32).parsebytes(data, headersonly=True)
    except Exception:
        return "", []
    message_id = next(iter(_message_ids(_legacy_header(headers, "Message-ID"))), "")
    recipients = []
    for _name, address in getaddresses([_legacy_header(headers, "To")])[:MAX_ADDRESSES]:
        try:
            recipients.append(normalize_email(address.strip()).normalized)
        except InvalidContactPoint:
            continue
    return message_id, recipients


def read_report(parsed: ParsedMessage) -> Report | None:
    """What the message reports, if it is a report; also kept as
    ``parsed.report``. What cannot be read is added to its problems."""
    if not parsed.report_parts:
        return None
    kind, data = parsed.report_parts[0]
    if len(parsed.report_parts) > 1:
        parsed.problem(f"more than one report part ({kind}); only the first is acted on")
    report = _read_part(kind, data, parsed)
    if parsed.report_original is not None:
        message_id, recipients = _read_original(parsed.report_original)
        report.original_message_id = report.original_message_id or message_id
        if report.kind == "feedback-report" and not report.complainants:
            report.complainants = recipients
    parsed.report = report
    return report


__all__ = ["RecipientStatus", "Report", "read_report"]
