"""In-app notifications, e.g. "Mia mentioned you in a note", or a notice
from the system ("Your webhook was switched off") with its own message and
link."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kontor.activities.models import Activity
from kontor.core.models import BaseModel


class Reason(models.TextChoices):
    MENTION = "mention", _("Mention")
    # A notice an app sends with its own message and link (``notify``).
    NOTICE = "notice", _("Notice")


class Notification(BaseModel):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # A notice's text and where it leads (a path in the web UI).
    message = models.TextField(_("message"), blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta(BaseModel.Meta):
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "read_at", "created_at"], name="notification_inbox"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "reason", "activity"], name="notification_once_per_activity"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} → {self.recipient}"
