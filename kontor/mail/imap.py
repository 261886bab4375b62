"""Reading IMAP mailboxes (``kontor fetchmail``): each unread message is
taken in through ``message_ingest``, then marked read or moved. A message
is fetched with BODY.PEEK, so one that could not be taken in stays unread
and is tried again next time."""

import imaplib
import logging
import re
import ssl
from dataclasses import dataclass, field

from django.utils import timezone

from kontor.core.encryption import InvalidToken, decrypt
from kontor.core.exceptions import FieldErrors
from kontor.mail.models import AfterImport, Mailbox, Security, Source
from kontor.mail.services import max_message_bytes, message_ingest

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 60
MAX_MESSAGES_PER_RUN = 500
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")


@dataclass
class FetchReport:
    mailbox: Mailbox
    imported: int = 0
    duplicates: int = 0
    with_problems: int = 0
    errors: list[str] = field(default_factory=list)


class MailboxError(Exception):
    """The mailbox could not be read (connection, login, folder)."""


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _check(response: tuple, what: str) -> list:
    status, data = response
    if status != "OK":
        detail = b" ".join(d for d in data if isinstance(d, bytes)).decode("utf-8", "replace")
        raise MailboxError(f"{what} failed: {detail or status}")
    return data


def tls_context(mailbox: Mailbox) -> ssl.SSLContext:
    """Certificates are checked against the system's CAs, or only against the
    mailbox's own CA certificates when it has some; never not at all unless
    the administrator switched that off for the mailbox."""
    try:
        context = ssl.create_default_context(cadata=mailbox.tls_ca_certificates.strip() or None)
    except (ssl.SSLError, ValueError) as exc:
        raise MailboxError(f"the mailbox's trusted CA certificates cannot be read: {exc}") from exc
    if not mailbox.verify_certificate:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _connect(mailbox: Mailbox) -> imaplib.IMAP4:
    context = tls_context(mailbox)
    try:
        if mailbox.security == Security.SSL:
            return imaplib.IMAP4_SSL(
                mailbox.host, mailbox.port, ssl_context=context, timeout=TIMEOUT_SECONDS
            )
        client = imaplib.IMAP4(mailbox.host, mailbox.port, timeout=TIMEOUT_SECONDS)
        if mailbox.security == Security.STARTTLS:
            client.starttls(ssl_context=context)
        return client
    except (OSError, imaplib.IMAP4.error) as exc:
        raise MailboxError(f"could not connect to {mailbox.host}:{mailbox.port}: {exc}") from exc


def _password(mailbox: Mailbox) -> str:
    try:
        return decrypt(mailbox.password_encrypted)
    except (InvalidToken, ValueError) as exc:
        raise MailboxError(
            "the stored password cannot be decrypted (was KONTOR_ENCRYPTION_KEY or "
            "SECRET_KEY changed?); enter it again in the admin"
        ) from exc


def _size(client: imaplib.IMAP4, uid: bytes) -> int:
    data = _check(client.uid("FETCH", uid, "(RFC822.SIZE)"), "FETCH SIZE")
    for item in data:
        text = item[0] if isinstance(item, tuple) else item
        if isinstance(text, bytes) and (match := _SIZE.search(text)):
            return int(match.group(1))
    return 0


def _body(client: imaplib.IMAP4, uid: bytes) -> bytes:
    data = _check(client.uid("FETCH", uid, "(BODY.PEEK[])"), "FETCH")
    for item in data:
        if isinstance(item, tuple) and len(item) == 2:
            return item[1]
    raise MailboxError(f"message {uid.decode()} has no body")


def _after_import(client: imaplib.IMAP4, mailbox: Mailbox, uid: bytes) -> bool:
    """Mark read or move; True if the folder needs an EXPUNGE."""
    if mailbox.after_import == AfterImport.MOVE and mailbox.move_to_folder:
        _check(client.uid("COPY", uid, _quote(mailbox.move_to_folder)), "COPY")
        _check(client.uid("STORE", uid, "+FLAGS", r"(\Seen \Deleted)"), "STORE")
        return True
    _check(client.uid("STORE", uid, "+FLAGS", r"(\Seen)"), "STORE")
    return False


def mailbox_fetch(*, mailbox: Mailbox, limit: int = MAX_MESSAGES_PER_RUN) -> FetchReport:
    """Import the mailbox's unread messages. Notes the time and the last
    error on the mailbox; raises MailboxError if it cannot be read at all."""
    report = FetchReport(mailbox=mailbox)
    try:
        client = _connect(mailbox)
        try:
            _check(client.login(mailbox.username, _password(mailbox)), "LOGIN")
            _check(client.select(_quote(mailbox.folder)), f"SELECT {mailbox.folder}")
            found = _check(client.uid("SEARCH", None, "UNSEEN"), "SEARCH")
            uids = b" ".join(d for d in found if d).split()[:limit]
            expunge = False
            for uid in uids:
                size = _size(client, uid)
                if size > max_message_bytes():
                    report.errors.append(
                        f"message {uid.decode()} is too large "
                        f"({size / 1048576:.1f} MB); left unread"
                    )
                    continue
                try:
                    result = message_ingest(
                        actor=mailbox.owner,
                        raw=_body(client, uid),
                        source=Source.IMAP,
                        mailbox=mailbox,
                    )
                except FieldErrors as exc:
                    report.errors.append(f"message {uid.decode()}: {exc}")
                    continue
                if result.duplicate:
                    report.duplicates += 1
                else:
                    report.imported += 1
                    report.with_problems += bool(result.problems)
                expunge = _after_import(client, mailbox, uid) or expunge
            if expunge:
                _check(client.expunge(), "EXPUNGE")
        finally:
            try:
                client.logout()
            except (OSError, imaplib.IMAP4.error):
                logger.info("IMAP logout from %s failed", mailbox.host)
    except (OSError, imaplib.IMAP4.error, MailboxError) as exc:
        mailbox.last_error = str(exc)[:2000]
        mailbox.last_fetched_at = timezone.now()
        mailbox.save(update_fields=["last_error", "last_fetched_at", "updated_at"])
        if isinstance(exc, MailboxError):
            raise
        raise MailboxError(str(exc)) from exc
    mailbox.last_error = "; ".join(report.errors)[:2000]
    mailbox.last_fetched_at = timezone.now()
    mailbox.save(update_fields=["last_error", "last_fetched_at", "updated_at"])
    return report
