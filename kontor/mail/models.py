"""Email import: the IMAP mailboxes Kontor reads, and every message it took in
(whatever way it came), with the raw message kept as received."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kontor.activities.models import Activity, Direction
from kontor.core.models import BaseModel


class Security(models.TextChoices):
    SSL = "ssl", _("SSL/TLS (port 993)")
    STARTTLS = "starttls", _("STARTTLS (port 143)")
    NONE = "none", _("None (only inside a trusted network)")


class AfterImport(models.TextChoices):
    MARK_READ = "mark_read", _("Mark as read")
    MOVE = "move", _("Move to another folder")


class Mailbox(BaseModel):
    """An IMAP mailbox that ``kontor fetchmail`` reads."""

    name = models.CharField(_("name"), max_length=100)
    email_address = models.CharField(
        _("email address"),
        max_length=320,
        help_text=_("The mailbox's own address: mail from it is outgoing."),
    )
    other_addresses = models.TextField(
        _("other own addresses"), blank=True, help_text=_("Aliases, one per line.")
    )
    host = models.CharField(_("IMAP server"), max_length=255)
    port = models.PositiveIntegerField(_("port"), default=993)
    security = models.CharField(
        _("connection security"), max_length=16, choices=Security.choices, default=Security.SSL
    )
    verify_certificate = models.BooleanField(
        _("verify the server's certificate"),
        default=True,
        help_text=_(
            "Switch off only for a server inside a trusted network whose certificate cannot be "
            "checked: the connection is then encrypted but not protected against impostors."
        ),
    )
    tls_ca_certificates = models.TextField(
        _("trusted CA certificates"),
        blank=True,
        help_text=_(
            "For a server whose certificate comes from a private CA: the CA's certificate(s) in "
            "PEM format. When given, only these are trusted for this mailbox."
        ),
    )
    username = models.CharField(_("user name"), max_length=255)
    password_encrypted = models.TextField(editable=False, blank=True)
    folder = models.CharField(_("folder"), max_length=255, default="INBOX")
    after_import = models.CharField(
        _("after import"), max_length=16, choices=AfterImport.choices, default=AfterImport.MARK_READ
    )
    move_to_folder = models.CharField(
        _("move to folder"), max_length=255, blank=True, help_text=_('E.g. "Archive/Kontor".')
    )
    create_unknown_contacts = models.BooleanField(
        _("create contacts for unknown senders"),
        default=True,
        help_text=_("A sender no contact has becomes a new contact (a lead)."),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imports as user"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_(
            "Senders are matched and contacts created as this user; it needs a role "
            "that reads the records mail may be about."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    last_fetched_at = models.DateTimeField(_("last fetched"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)

    class Meta(BaseModel.Meta):
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")

    def __str__(self) -> str:
        return self.name

    def own_addresses(self) -> set[str]:
        addresses = [self.email_address, *self.other_addresses.splitlines()]
        return {a.strip().lower() for a in addresses if a.strip()}


class Source(models.TextChoices):
    API = "api", _("API")
    IMAP = "imap", _("IMAP")
    UPLOAD = "upload", _("Upload")


class MessageKind(models.TextChoices):
    EMAIL = "email", _("Email")
    DELIVERY_REPORT = "delivery_report", _("Delivery report (bounce)")
    READ_RECEIPT = "read_receipt", _("Read receipt")
    COMPLAINT = "complaint", _("Abuse complaint")


class RawFormat(models.TextChoices):
    RFC822 = "rfc822", _("Internet message (.eml)")
    OUTLOOK = "outlook", _("Outlook message (.msg)")


RAW_EXTENSIONS = {RawFormat.RFC822: "eml", RawFormat.OUTLOOK: "msg"}
# An Outlook message is a Compound File (OLE2); every one starts with these bytes.
CFB_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
RAW_CONTENT_TYPES = {
    RawFormat.RFC822: "message/rfc822",
    RawFormat.OUTLOOK: "application/vnd.ms-outlook",
}


def raw_message_name(instance: "InboundMessage", filename: str) -> str:
    extension = RAW_EXTENSIONS.get(instance.raw_format, "eml")
    return f"mail/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}"


class InboundMessage(BaseModel):
    """A message as received. Stored before anything else is done with it,
    so that no message is lost, however broken; ``problems`` says what could
    not be read."""

    # SHA-256 of the message's content, every MIME part included, transport
    # headers left out (kontor.mail.digest): a message delivered twice is
    # stored once.
    dedup_key = models.CharField(max_length=64, unique=True, editable=False)
    # SHA-256 of what the reader sees (sender, date, subject, text), to say how
    # another message that reuses a Message-ID differs.
    fingerprint = models.CharField(max_length=64, editable=False)
    message_id = models.CharField(_("message ID"), max_length=998, blank=True)
    thread = models.CharField(_("thread"), max_length=998, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    from_address = models.CharField(_("from"), max_length=998, blank=True)
    sent_at = models.DateTimeField(_("date"), null=True, blank=True)
    direction = models.CharField(
        _("direction"), max_length=16, choices=Direction.choices, blank=True
    )
    raw = models.FileField(upload_to=raw_message_name, max_length=255)
    raw_format = models.CharField(
        _("format"), max_length=16, choices=RawFormat.choices, default=RawFormat.RFC822
    )
    kind = models.CharField(
        _("kind"), max_length=32, choices=MessageKind.choices, default=MessageKind.EMAIL
    )
    # What a bounce, read receipt or complaint says (kontor.mail.reports).
    report = models.JSONField(_("report"), default=dict, blank=True)
    refers_to = models.ForeignKey(
        Activity,
        verbose_name=_("about the email"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The sent email a bounce, read receipt or complaint is about."),
    )
    size = models.PositiveBigIntegerField(_("size in bytes"))
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    mailbox = models.ForeignKey(
        Mailbox, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    activity = models.OneToOneField(
        Activity, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    problems = models.JSONField(_("problems"), default=list, blank=True)

    class Meta(BaseModel.Meta):
        verbose_name = _("received email")
        verbose_name_plural = _("received emails")
        indexes = [
            models.Index(
                fields=["message_id"], condition=~Q(message_id=""), name="inboundmessage_message_id"
            )
        ]

    def __str__(self) -> str:
        return self.subject or self.message_id or str(self.pk)
