"""Events for a user's open browser tabs (server-sent events), e.g. the
screen pop of a ringing phone; and the outbox of record changes for the
worker (``OutboxEvent``).

A live event is one row per recipient. Its id is an autoincrement integer, not a UUID: it is
the SSE event id a reconnecting browser sends back (Last-Event-ID), so that a
stream resumes after the last event it delivered. Rows live for minutes; they
are deleted as new ones come (``kontor.events.services``)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from uuid6 import uuid7


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


class OutboxEvent(models.Model):
    """A change to a record, written by the domain service in the same
    transaction as the change itself (the transactional outbox): a change
    that is rolled back leaves no event, a committed one never loses its
    event. The worker's dispatcher hands each event to the consumers
    (webhooks, and later workflow rules) once, and marks it dispatched.

    ``id`` orders the events; it is not a watermark (ids are drawn before
    their transactions commit, so a lower id may become visible later).
    ``uuid`` is the event's public id. For a deleted record, ``owners``
    keeps who owned it, to decide who may hear of it. ``cause``: see
    ``kontor.events.outbox.caused_by``."""

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid7, unique=True, editable=False)
    name = models.CharField(max_length=64)
    model = models.CharField(max_length=100)
    record_id = models.CharField(max_length=64)
    occurred_at = models.DateTimeField(default=timezone.now)
    owners = models.JSONField(default=list, blank=True)
    # What caused the change when it was not a person: the workflow rules
    # whose actions made it (``{"rules": [ids], "depth": n}``), so a rule is
    # not triggered by its own changes and chains of rules stop.
    cause = models.JSONField(default=dict, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["id"],
                condition=models.Q(dispatched_at__isnull=True),
                name="outbox_undispatched",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.record_id}"
