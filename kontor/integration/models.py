"""Kontor's connections to other systems: webhook subscriptions and their
deliveries, emails sent through SMTP, and (kontor.integration.sync) the
upsert of records an ERP maintains."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kontor.core.models import BaseModel


class WebhookSubscription(BaseModel):
    """A user's order to have ``events`` POSTed to ``url``, signed per the
    Standard Webhooks specification with ``secret`` (``whsec_<base64>``,
    stored encrypted, shown once). The payload shows only what ``owner`` may
    read. ``failing_since``: the first failure after the last success; a
    subscription failing for KONTOR_WEBHOOK_RETRY_DAYS is switched off."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="webhook_subscriptions",
    )
    url = models.CharField(_("URL"), max_length=2000)
    events = models.JSONField(_("events"), default=list)
    description = models.CharField(_("description"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)
    secret_encrypted = models.TextField(editable=False)
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    disabled_reason = models.CharField(_("switched off because"), max_length=500, blank=True)

    class Meta(BaseModel.Meta):
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    SENDING = "sending", _("sending")
    DELIVERED = "delivered", _("delivered")
    FAILED = "failed", _("failed")


class WebhookDelivery(BaseModel):
    """One event for one subscription. Its id is the message's
    ``webhook-id``: every attempt (after a failure, after a worker was lost,
    a redelivery) sends the same id and the same body, so receivers
    deduplicate by it. ``sequence`` (the outbox event's) orders a record's
    deliveries; a delivery waits while an earlier one of the same record
    (``record_key``) is not done. A delivery in flight holds a lease until
    ``lease_until``; a worker that dies leaves it to be sent again after."""

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.UUIDField()
    event_name = models.CharField(max_length=64)
    model = models.CharField(max_length=100)
    record_id = models.CharField(max_length=64)
    record_key = models.CharField(max_length=170)
    owners = models.JSONField(default=list, blank=True)
    occurred_at = models.DateTimeField()
    sequence = models.BigIntegerField()
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    # No attempt after this (KONTOR_WEBHOOK_RETRY_DAYS after it was queued).
    give_up_at = models.DateTimeField()
    lease_until = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # The body as first sent; every later attempt sends these bytes again.
    payload = models.TextField(blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta(BaseModel.Meta):
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event_id"], name="webhook_delivery_once_per_event"
            )
        ]
        indexes = [
            models.Index(
                fields=["subscription", "sequence"],
                condition=Q(status__in=["pending", "sending"]),
                name="webhook_delivery_undone",
            ),
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["pending", "sending"]),
                name="webhook_delivery_due",
            ),
            models.Index(fields=["subscription", "created_at", "id"], name="webhook_delivery_list"),
        ]

    def __str__(self) -> str:
        return f"{self.event_name} → {self.subscription_id}"

    @property
    def webhook_id(self) -> str:
        return f"msg_{self.pk.hex}"


class EmailStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    SENT = "sent", _("sent")
    # No KONTOR_SMTP_URL: written to var/sent-mail/ instead of being sent.
    WRITTEN = "written", _("written to a file, not sent")
    FAILED = "failed", _("failed")


class OutgoingEmail(BaseModel):
    """An email Kontor sends for a colleague, through SMTP on the worker.

    The message is made once, when it is queued, and kept as bytes: its
    Message-ID and Date are fixed then, and every attempt sends exactly these
    bytes, so a retry after a crash between the server's acceptance and the
    bookkeeping delivers the same message again, never a different one
    (receivers recognize it by its Message-ID). Once sent, it becomes an
    email activity on ``contact`` / ``organization`` with its Message-ID, so
    replies thread back through the inbound path."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    organization = models.ForeignKey(
        "contacts.Organization", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    message_id = models.CharField(_("message ID"), max_length=998, unique=True)
    thread = models.CharField(_("thread"), max_length=998)
    from_address = models.CharField(_("from"), max_length=998)
    to_addresses = models.JSONField(_("to"), default=list)
    cc_addresses = models.JSONField(_("cc"), default=list)
    subject = models.CharField(_("subject"), max_length=255)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    raw = models.BinaryField()
    # One more record the logged activity links to, by its API parameter
    # ({"deal_id": "…"}; kontor.activities.links).
    links = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=EmailStatus.choices, default=EmailStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    activity = models.ForeignKey(
        "activities.Activity", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")

    def __str__(self) -> str:
        return self.subject
