"""Service: tickets and their conversations.

A ticket is a customer's request with a number (``T-000123``, gap-free), a
queue (a team), an assignee and a clock: the due times of the first
response and of the resolution. The clock stops while the ticket is
``pending`` (waiting for the customer): ``paused_since`` is when the
current pause began, ``paused_minutes`` the pauses that ended."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kontor.access.models import Team
from kontor.contacts.models import Contact, Organization
from kontor.core.models import BaseModel
from kontor.sla.models import SlaPolicy


class Priority(models.TextChoices):
    LOW = "low", _("low")
    NORMAL = "normal", _("normal")
    HIGH = "high", _("high")
    URGENT = "urgent", _("urgent")


class Status(models.TextChoices):
    NEW = "new", _("new")
    OPEN = "open", _("open")
    PENDING = "pending", _("pending")
    RESOLVED = "resolved", _("resolved")
    CLOSED = "closed", _("closed")


# A ticket in one of these is done: no clock runs, it leaves the queues.
DONE_STATUSES = (Status.RESOLVED, Status.CLOSED)


class Channel(models.TextChoices):
    EMAIL = "email", _("email")
    PHONE = "phone", _("phone")
    WEB = "web", _("web")
    API = "api", _("API")


class Ticket(BaseModel):
    number = models.CharField(_("number"), max_length=16, unique=True, editable=False)
    subject = models.CharField(_("subject"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
    )
    # The queue.
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.NEW)
    category = models.CharField(_("category"), max_length=100, blank=True)
    channel = models.CharField(
        _("channel"), max_length=8, choices=Channel.choices, default=Channel.WEB
    )
    first_response_due_at = models.DateTimeField(_("first response due"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    first_responded_at = models.DateTimeField(_("first responded at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    breached = models.BooleanField(_("SLA breached"), default=False)
    # The service level whose targets and calendar give the due times
    # (kontor.service.sla); without one, due times are given by hand.
    sla_policy = models.ForeignKey(
        SlaPolicy,
        verbose_name=_("SLA policy"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
    )
    # The pauses that ended, [[begin, end], …] (ISO times): the clock
    # recomputes the due times from them.
    sla_pauses = models.JSONField(default=list, blank=True)
    # The escalations done ("<due field>:<warning|breach>:<due time>"), so a
    # worker task that runs twice escalates once.
    sla_escalations = models.JSONField(default=list, blank=True)
    # The clock's pauses (status pending): the current one's start and the
    # minutes of the ones that ended.
    paused_since = models.DateTimeField(_("paused since"), null=True, blank=True)
    paused_minutes = models.PositiveIntegerField(_("paused minutes"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta(BaseModel.Meta):
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            # The queues: a team's tickets by status, the newest first.
            models.Index(fields=["team", "status", "created_at"], name="ticket_team_status"),
            models.Index(fields=["assignee", "status", "created_at"], name="ticket_assignee"),
            models.Index(fields=["status", "created_at", "id"], name="ticket_status_created"),
            # Due soon: open tickets by their resolution due time.
            models.Index(
                fields=["resolution_due_at"],
                condition=Q(status__in=["new", "open", "pending"]),
                name="ticket_open_due",
            ),
            models.Index(
                fields=["first_response_due_at"],
                condition=Q(first_responded_at__isnull=True),
                name="ticket_unanswered_due",
            ),
            models.Index(
                fields=["team", "created_at"], condition=Q(breached=True), name="ticket_breached"
            ),
            models.Index(fields=["contact", "created_at"], name="ticket_contact_created"),
            models.Index(fields=["organization", "created_at"], name="ticket_org_created"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("ticket-detail", args=[self.pk])

    @property
    def is_done(self) -> bool:
        return self.status in DONE_STATUSES


class TicketSequence(models.Model):
    """The last ticket number given out (one row). A number is taken in the
    transaction that stores the ticket, with the row locked by its UPDATE:
    two writers wait for each other, and a rolled-back ticket gives its
    number back, so numbers have no gaps."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.last)


class MessageKind(models.TextChoices):
    REPLY = "reply", _("reply")
    NOTE = "note", _("internal note")
    INBOUND = "inbound", _("customer message")


class TicketMessage(models.Model):
    """One entry of a ticket's conversation: an agent's public reply (sent
    to the customer by email), an internal note, or what the customer wrote
    (``inbound``: an email, ``author`` empty)."""

    id = models.BigAutoField(primary_key=True)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("kind"), max_length=8, choices=MessageKind.choices)
    body = models.TextField(_("text"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Who wrote an inbound message (its From), and the email's threading
    # headers: replies of the customer thread onto the ticket by them.
    sender = models.CharField(_("from"), max_length=320, blank=True)
    message_id = models.CharField(max_length=998, blank=True, db_index=True)
    in_reply_to = models.CharField(max_length=998, blank=True)
    # The outgoing email that carried a reply (kontor.core.outgoing_mail):
    # an opaque id, as the app that sends email sits above service.
    email_id = models.UUIDField(_("email"), null=True, blank=True, editable=False)
    # The received email an inbound message came as (kontor.mail's stored
    # message): an opaque id too, as email capture is a sibling app.
    inbound_email_id = models.UUIDField(
        _("received email"), null=True, blank=True, editable=False, unique=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("ticket message")
        verbose_name_plural = _("ticket messages")
        indexes = [models.Index(fields=["ticket", "created_at"], name="ticket_message_time")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind}"


class ServiceAddress(BaseModel):
    """An email address of a team's queue: mail to it (To, Cc or
    Delivered-To) opens a ticket in that queue, and the queue's replies go
    out from it. Stored lower case, so that it matches whatever case a
    sender writes."""

    address = models.CharField(_("email address"), max_length=320, unique=True)
    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="service_addresses"
    )
    # The SLA policy of the tickets it opens.
    sla_policy = models.ForeignKey(
        SlaPolicy,
        verbose_name=_("SLA policy"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_addresses",
    )

    class Meta(BaseModel.Meta):
        ordering = ["address"]
        verbose_name = _("service address")
        verbose_name_plural = _("service addresses")

    def __str__(self) -> str:
        return self.address
