"""Taking in emails: one path for the inbound API, ``kontor fetchmail`` (IMAP)
and uploaded .eml/.mbox files.

A message is stored as received first, then read: sender and recipients are
matched to contacts (the organization by domain as a fallback, never for
free-mail domains), an unknown sender becomes a lead, and the message becomes
an ``email`` activity in its thread, with its attachments as files. What goes
wrong on the way is noted with the message and on the activity; the raw
message is kept."""

import hashlib
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from kontor.activities.models import Activity, Direction, Kind
from kontor.activities.services import TEXT_LIMITS, activity_create, activity_update
from kontor.audit.models import AuditAction
from kontor.audit.services import audit_record
from kontor.contacts.models import Contact, LifecycleStage, Organization
from kontor.contacts.normalization import normalize_email
from kontor.contacts.selectors import Match, lookup_email
from kontor.contacts.services import contact_create
from kontor.core.encryption import encrypt
from kontor.core.erasure import is_suppressed
from kontor.core.exceptions import FieldErrors, PermissionDenied
from kontor.core.inbound_mail import InboundEmail, route_inbound
from kontor.events.outbox import emit
from kontor.files.services import FileTooLarge, attachment_create, max_upload_bytes
from kontor.mail.digest import content_digest
from kontor.mail.models import RAW_EXTENSIONS, InboundMessage, Mailbox, RawFormat, Source
from kontor.mail.parsing import Address, ParsedMessage, parse_message
from kontor.mail.preview import reply_text
from kontor.mail.report_reading import read_report
from kontor.mail.reports import is_filed_as_conversation, looks_like_bounce, report_act_on

logger = logging.getLogger(__name__)

MAX_MATCHED_ADDRESSES = 50
MAX_NAME = 150


class MessageTooLarge(FieldErrors):
    """Larger than ``KONTOR_MAIL_MAX_MESSAGE_MB``."""


@dataclass
class IngestResult:
    message: InboundMessage
    duplicate: bool = False
    matches: list[Match] = field(default_factory=list)
    created_contacts: list[Contact] = field(default_factory=list)
    # What the domains did with it (kontor.core.inbound_mail), e.g. the
    # ticket it opened or joined: {"ticket_id": …}.
    routed: dict = field(default_factory=dict)

    @property
    def activity(self) -> Activity | None:
        return self.message.activity

    @property
    def problems(self) -> list[str]:
        return self.message.problems


def max_message_bytes() -> int:
    return settings.KONTOR_MAIL_MAX_MESSAGE_MB * 1024 * 1024


# Mailboxes ----------------------------------------------------------------------


def mailbox_set_password(*, mailbox: Mailbox, password: str) -> None:
    """Store the IMAP password encrypted (kontor.core.encryption)."""
    mailbox.password_encrypted = encrypt(password)
    if mailbox.pk and not mailbox._state.adding:
        mailbox.save(update_fields=["password_encrypted", "updated_at"])


# Ingestion ----------------------------------------------------------------------


def _sha256(*parts: str | bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else part.encode("utf-8", "replace"))
        digest.update(b"\x00")
    return digest.hexdigest()


def _fingerprint(parsed: ParsedMessage) -> str:
    sender = parsed.sender.normalized if parsed.sender else ""
    date = parsed.date.isoformat() if parsed.date else ""
    # Whitespace aside: servers change line endings (CRLF) and wrap lines.
    return _sha256(sender, date, " ".join(parsed.subject.split()), " ".join(parsed.text.split()))


def _own_addresses(mailbox: Mailbox | None) -> tuple[set[str], set[str]]:
    addresses = mailbox.own_addresses() if mailbox else set()
    normalized = set()
    for address in addresses:
        try:
            normalized.add(normalize_email(address).normalized)
        except ValueError:
            continue
    return normalized, set(settings.KONTOR_OWN_EMAIL_DOMAINS)


def _is_own(address: Address, own: tuple[set[str], set[str]]) -> bool:
    addresses, domains = own
    return address.normalized in addresses or address.normalized.rsplit("@", 1)[-1] in domains


def _duplicate_of(key: str) -> InboundMessage | None:
    return InboundMessage.objects.select_related("activity").filter(dedup_key=key).first()


def _note_reused_message_id(parsed: ParsedMessage, fingerprint: str) -> None:
    """Another message with this Message-ID came before but differs: this one
    is kept as a message of its own, and says why."""
    if not parsed.message_id:
        return
    earlier = (
        InboundMessage.objects.filter(message_id=parsed.message_id)
        .order_by("created_at", "id")
        .only("id", "fingerprint")
        .first()
    )
    if earlier is None:
        return
    how = (
        "only in its attachments or other MIME parts or headers"
        if earlier.fingerprint == fingerprint
        else "in its sender, date, subject or text"
    )
    parsed.problem(
        f"another message with the same Message-ID {parsed.message_id[:100]} was received "
        f"before (message {earlier.pk}); this one differs from it {how} and is kept as a "
        "message of its own"
    )


def _store(
    *,
    raw: bytes,
    key: str,
    raw_format: str,
    parsed: ParsedMessage,
    actor: AbstractBaseUser,
    source: str,
    mailbox: Mailbox | None,
) -> tuple[InboundMessage, bool]:
    """Keep the message as received, once. Returns it and whether it had
    been stored before."""
    existing = _duplicate_of(key)
    if existing is not None:
        return existing, True
    fingerprint = _fingerprint(parsed)
    _note_reused_message_id(parsed, fingerprint)
    message = InboundMessage(
        dedup_key=key,
        fingerprint=fingerprint,
        message_id=parsed.message_id,
        subject=parsed.subject[: TEXT_LIMITS["subject"]],
        from_address=parsed.sender.address[:998] if parsed.sender else "",
        sent_at=parsed.date,
        size=len(raw),
        source=source,
        raw_format=raw_format,
        mailbox=mailbox,
        imported_by=actor if actor.is_authenticated else None,
        problems=list(parsed.problems),
    )
    try:
        with transaction.atomic():
            message.raw.save(f"message.{RAW_EXTENSIONS[raw_format]}", ContentFile(raw), save=False)
            message.save()
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                record=message,
                changes={"from": [None, message.from_address], "subject": [None, message.subject],
                         "source": [None, source]},
            )  # fmt: skip
    except IntegrityError:  # the same message, delivered at the same moment
        message.raw.storage.delete(message.raw.name)
        return InboundMessage.objects.select_related("activity").get(dedup_key=key), True
    return message, False


def _thread(parsed: ParsedMessage) -> str:
    """The thread: that of the message this one answers (or, for a read
    receipt, the message it is about), if Kontor has it; else the first
    message the References name; else this message itself."""
    about = [parsed.report.original_message_id] if parsed.report else []
    referenced = [m for m in [*about, *parsed.references, *parsed.in_reply_to] if m]
    if referenced:
        known = (
            Activity.objects.filter(kind=Kind.EMAIL, message_id__in=referenced)
            .exclude(message_id="")
            .exclude(thread="")
            .values_list("thread", flat=True)
            .first()
        )
        if known:
            return known
        known = (
            InboundMessage.objects.filter(message_id__in=referenced)
            .exclude(thread="")
            .values_list("thread", flat=True)
            .first()
        )
        if known:
            return known
        return parsed.references[0] if parsed.references else referenced[0]
    return parsed.message_id


def _name_parts(name: str) -> dict[str, str]:
    name = " ".join(name.replace('"', " ").split())
    if not name or "@" in name:
        return {}
    if "," in name:  # "Schmidt, Anna"
        last, _, first = name.partition(",")
    else:
        first, _, last = name.rpartition(" ")
        if not first:
            first, last = last, ""
    return {"first_name": first.strip()[:MAX_NAME], "last_name": last.strip()[:MAX_NAME]}


def _contact_for_unknown(
    *, actor: AbstractBaseUser, address: Address, matches: list[Match], message: ParsedMessage
) -> Contact | None:
    if is_suppressed(email=address.normalized or address.address):
        # An erased person (GDPR Art. 17) is not made a contact again.
        message.problem("the sender is on the suppression list: no contact made")
        return None
    organizations = [m.record for m in matches if isinstance(m.record, Organization)]
    data = {
        "emails": [{"address": address.address}],
        "lifecycle_stage": LifecycleStage.LEAD,
        **_name_parts(address.name),
    }
    if len(organizations) == 1:
        data["organization_id"] = organizations[0].pk
    try:
        return contact_create(actor=actor, data=data)
    except FieldErrors as exc:
        message.problem(f"no contact could be made for {address.address[:100]}: {exc}")
        return None


def _activity_data(
    parsed: ParsedMessage, *, direction: str, thread: str, record: Contact | Organization
) -> dict:
    problems = parsed.problems
    body = reply_text(parsed.text)
    if problems:
        body = "⚠ " + "; ".join(problems) + "\n\n" + body
    link = (
        {"contact_id": record.pk} if isinstance(record, Contact) else {"organization_id": record.pk}
    )
    return {
        "kind": Kind.EMAIL,
        "subject": parsed.subject[: TEXT_LIMITS["subject"]],
        "body": body[: TEXT_LIMITS["body"]],
        "body_html": parsed.html[: TEXT_LIMITS["body_html"]],
        "occurred_at": parsed.date or timezone.now(),
        "direction": direction,
        "message_id": parsed.message_id[: TEXT_LIMITS["message_id"]],
        "thread": thread[: TEXT_LIMITS["thread"]],
        "from": parsed.sender.address if parsed.sender else "",
        "to": [a.address for a in parsed.to],
        "cc": [a.address for a in parsed.cc],
        **link,
    }


def _attach(actor: AbstractBaseUser, activity: Activity, parsed: ParsedMessage) -> None:
    for part in parsed.attachments:
        if not part.data:
            parsed.problem(f"attachment {part.filename} is empty; skipped")
            continue
        upload = SimpleUploadedFile(part.filename, part.data, content_type=part.content_type)
        try:
            attachment_create(actor=actor, upload=upload, activity=activity)
        except FileTooLarge:
            parsed.problem(
                f"attachment {part.filename} ({len(part.data) / 1048576:.1f} MB) is larger than "
                f"{max_upload_bytes() // 1048576} MB; it is only in the raw message"
            )


def _route(
    *,
    actor: AbstractBaseUser,
    parsed: ParsedMessage,
    message: InboundMessage,
    primary: Contact | Organization | None = None,
    outgoing: bool = False,
    duplicate: bool = False,
) -> dict:
    """Hand the message to the domains (kontor.core.inbound_mail). What goes
    wrong there is noted with the message and leaves what was read intact."""
    report = parsed.report
    automatic = parsed.automatic
    if not automatic and report is not None:
        automatic = f"report: {report.kind}"
    if not automatic and looks_like_bounce(parsed):
        automatic = "bounce"
    contact_id = primary.pk if isinstance(primary, Contact) else None
    if isinstance(primary, Organization):
        organization_id = primary.pk
    else:
        organization_id = primary.organization_id if primary is not None else None
    inbound = InboundEmail(
        id=message.pk,
        message_id=parsed.message_id,
        in_reply_to=tuple(parsed.in_reply_to),
        references=tuple(parsed.references),
        subject=parsed.subject,
        text=reply_text(parsed.text),
        sender=parsed.sender.normalized if parsed.sender else "",
        sender_name=parsed.sender.name if parsed.sender else "",
        to=tuple(a.normalized for a in parsed.to),
        cc=tuple(a.normalized for a in parsed.cc),
        delivered_to=tuple(a.normalized for a in parsed.delivered_to),
        automatic=automatic,
        outgoing=outgoing,
        report_kind=report.kind if report is not None else "",
        report_about=report.original_message_id if report is not None else "",
        contact_id=contact_id,
        organization_id=organization_id,
        duplicate=duplicate,
    )
    if duplicate:
        return route_inbound(actor=actor, email=inbound)
    try:
        with transaction.atomic():
            routed = route_inbound(actor=actor, email=inbound)
    except Exception as exc:
        logger.exception("could not route received email %s", message.pk)
        detail = str(exc) if isinstance(exc, FieldErrors | PermissionDenied) else type(exc).__name__
        parsed.problem(f"the message could not be passed on ({detail[:300]})")
        return {}
    for problem in inbound.problems:
        parsed.problem(problem)
    return routed


def message_routing(*, actor: AbstractBaseUser, message: InboundMessage) -> dict:
    """What the domains did with a stored message (e.g. its ticket), read
    again without changing anything."""
    inbound = InboundEmail(id=message.pk, message_id=message.message_id, duplicate=True)
    return route_inbound(actor=actor, email=inbound)


def _process(
    *,
    actor: AbstractBaseUser,
    parsed: ParsedMessage,
    message: InboundMessage,
    mailbox: Mailbox | None,
    create_unknown: bool,
) -> IngestResult:
    result = IngestResult(message=message)
    report_act_on(actor=actor, parsed=parsed, message=message)
    if not is_filed_as_conversation(parsed):
        result.routed = _route(actor=actor, parsed=parsed, message=message)
        message.problems = list(parsed.problems)
        message.save(update_fields=["kind", "report", "refers_to", "problems", "updated_at"])
        return result
    own = _own_addresses(mailbox)
    sender = parsed.sender
    outbound = sender is not None and _is_own(sender, own)
    direction = Direction.OUTBOUND if outbound else Direction.INBOUND
    everyone = [a for a in [*([sender] if sender else []), *parsed.to, *parsed.cc] if a]
    external: list[Address] = []
    for address in everyone:
        if not _is_own(address, own) and address.normalized not in {a.normalized for a in external}:
            external.append(address)
    external = external[:MAX_MATCHED_ADDRESSES]
    counterparts = [sender] if sender and not outbound else [a for a in parsed.to if a in external]

    primary: Contact | Organization | None = None
    organizations: list[Organization] = []
    for address in external:
        matches = lookup_email(user=actor, address=address.normalized)
        contact = next((m.record for m in matches if isinstance(m.record, Contact)), None)
        if contact is None and create_unknown and address in counterparts:
            contact = _contact_for_unknown(
                actor=actor, address=address, matches=matches, message=parsed
            )
            if contact is not None:
                result.created_contacts.append(contact)
                matches = [Match(record=contact, reason="email"), *matches]
        seen = {(m.type, m.record.pk) for m in result.matches}
        result.matches += [m for m in matches if (m.type, m.record.pk) not in seen]
        if contact is not None and primary is None and address in counterparts:
            primary = contact
        organizations += [m.record for m in matches if isinstance(m.record, Organization)]
    if primary is None:
        contacts = [m.record for m in result.matches if isinstance(m.record, Contact)]
        primary = contacts[0] if contacts else (organizations[0] if organizations else None)

    thread = _thread(parsed)
    message.thread = thread[:998]
    message.direction = direction
    if primary is None:
        parsed.problem("no contact or organization matches; the message waits unassigned")
    else:
        activity = activity_create(
            actor=actor,
            data=_activity_data(parsed, direction=direction, thread=thread, record=primary),
        )
        known_problems = len(parsed.problems)
        _attach(actor, activity, parsed)
        if len(parsed.problems) > known_problems:  # an attachment failed: say so too
            data = _activity_data(parsed, direction=direction, thread=thread, record=primary)
            activity = activity_update(actor=actor, activity=activity, data={"body": data["body"]})
        message.activity = activity
    result.routed = _route(
        actor=actor, parsed=parsed, message=message, primary=primary, outgoing=outbound
    )
    message.problems = list(parsed.problems)
    message.save(
        update_fields=[
            "thread", "direction", "activity", "problems", "kind", "report", "refers_to",
            "updated_at",
        ]
    )  # fmt: skip
    emit("email.received", message)
    return result


def message_ingest(
    *,
    actor: AbstractBaseUser,
    raw: bytes,
    source: str = Source.API,
    mailbox: Mailbox | None = None,
    create_unknown_contacts: bool | None = None,
    raw_format: str = RawFormat.RFC822,
) -> IngestResult:
    """Take in one RFC 5322 message (or an Outlook .msg file, with
    ``raw_format``). The same message a second time changes nothing
    (``duplicate``). Raises MessageTooLarge past the size limit and
    FieldErrors for an empty body or an .msg file that cannot be read; never
    for an RFC 5322 message that is merely broken."""
    if not raw:
        raise FieldErrors.single("message", "is empty")
    if len(raw) > max_message_bytes():
        raise MessageTooLarge.single(
            "message",
            f"is too large ({len(raw) / 1048576:.1f} MB); messages may be at most "
            f"{settings.KONTOR_MAIL_MAX_MESSAGE_MB} MB",
        )
    if create_unknown_contacts is None:
        create_unknown_contacts = mailbox.create_unknown_contacts if mailbox else True
    if raw_format == RawFormat.OUTLOOK:
        # Imported when an Outlook message comes: extract-msg takes a third
        # of a second to import, which every process that loads the URLs would pay.
        from kontor.mail.outlook import read_outlook_message

        parsed, key = read_outlook_message(raw)
    else:
        parsed, key = parse_message(raw), content_digest(raw)
        read_report(parsed)
    message, duplicate = _store(
        raw=raw,
        key=key,
        raw_format=raw_format,
        parsed=parsed,
        actor=actor,
        source=source,
        mailbox=mailbox,
    )
    if duplicate:
        return IngestResult(
            message=message,
            duplicate=True,
            routed=_route(actor=actor, parsed=parsed, message=message, duplicate=True),
        )
    try:
        with transaction.atomic():
            return _process(
                actor=actor,
                parsed=parsed,
                message=message,
                mailbox=mailbox,
                create_unknown=create_unknown_contacts,
            )
    except Exception as exc:
        # Whatever went wrong, the message is kept and says so; it can be
        # read again from its raw file once the cause is fixed.
        logger.exception("could not process received email %s", message.pk)
        message.refresh_from_db()
        message.problems = [
            *parsed.problems,
            f"the message could not be processed ({type(exc).__name__}); the raw message is kept",
        ]
        message.activity = None
        message.refers_to = None
        message.save(update_fields=["problems", "activity", "refers_to", "updated_at"])
        emit("email.received", message)
        return IngestResult(message=message)
