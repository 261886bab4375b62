"""Events for a user's open browser tabs (server-sent events), e.g. the
screen pop of a ringing phone.

One row per recipient. The id is an autoincrement integer, not a UUID: it is
the SSE event id a reconnecting browser sends back (Last-Event-ID), so that a
stream resumes after the last event it delivered. Rows live for minutes; they
are deleted as new ones come (``kontor.events.services``)."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Event(models.Model):
    id = models.BigAutoField(primary_key=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=32)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["recipient", "id"], name="event_recipient_id")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.id} → {self.recipient_id}"
