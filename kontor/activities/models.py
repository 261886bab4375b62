"""The contact history: calls, emails, meetings, notes and tasks.

All kinds live in one table, so a timeline is one index-backed query without
joins; the columns of one kind are empty on the others (the services enforce
which fields belong to which kind). An activity is linked to a contact and/or
an organization, and may in addition name one record of a type that allows
it (a deal, later a ticket: ``linked_type`` and ``linked_id``, resolved
through the record registry, so this app knows none of those domains).
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.deletion import CASCADE
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kontor.contacts.models import Contact, Organization
from kontor.core.models import BaseModel, listed


class Kind(models.TextChoices):
    CALL = "call", _("Call")
    EMAIL = "email", _("Email")
    MEETING = "meeting", _("Meeting")
    NOTE = "note", _("Note")
    TASK = "task", _("Task")


class Direction(models.TextChoices):
    INBOUND = "inbound", _("Inbound")
    OUTBOUND = "outbound", _("Outbound")


class CallOutcome(models.TextChoices):
    ANSWERED = "answered", _("Answered")
    MISSED = "missed", _("Missed")
    VOICEMAIL = "voicemail", _("Voicemail")
    BUSY = "busy", _("Busy")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


def keep_with_contact_or_delete(collector, field, sub_objs, using) -> None:
    """When an organization is deleted, an activity that also belongs to a
    contact stays in that contact's history; one that belonged only to the
    organization goes with it."""
    collector.add_field_update(field, None, sub_objs.filter(contact__isnull=False))
    CASCADE(collector, field, sub_objs.filter(contact__isnull=True), using)


class Activity(BaseModel):
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = models.TextField(_("text"), blank=True)
    # The HTML part of an email as received; shown only as plain text.
    body_html = models.TextField(blank=True)
    occurred_at = models.DateTimeField(_("when"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    direction = models.CharField(
        _("direction"), max_length=16, choices=Direction.choices, blank=True
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="activities",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=keep_with_contact_or_delete,
        null=True,
        blank=True,
        related_name="activities",
    )
    version = models.PositiveIntegerField(default=1)
    # The record this activity is about besides its contact or organization
    # (kontor.activities.links): a registered type's key and the record's id.
    linked_type = models.CharField(max_length=32, blank=True, default="", db_default="")
    linked_id = models.UUIDField(null=True, blank=True)

    # Calls
    duration_seconds = models.PositiveIntegerField(_("duration (seconds)"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=CallOutcome.choices, blank=True)
    phone_number = models.CharField(_("phone number"), max_length=64, blank=True)

    # Meetings
    starts_at = models.DateTimeField(_("starts at"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    location = models.CharField(_("location"), max_length=255, blank=True)

    # Emails
    message_id = models.CharField(_("message ID"), max_length=998, blank=True)
    from_address = models.CharField(_("from"), max_length=998, blank=True)
    to_addresses = models.JSONField(_("to"), default=list, blank=True)
    cc_addresses = models.JSONField(_("cc"), default=list, blank=True)
    thread = models.CharField(_("thread"), max_length=998, blank=True)

    # Tasks
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=8, choices=TaskStatus.choices, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [
            models.Index(fields=["contact", "occurred_at", "id"], name="activity_contact_time"),
            models.Index(fields=["organization", "occurred_at", "id"], name="activity_org_time"),
            models.Index(fields=["occurred_at", "id"], name="activity_time"),
            # Counts per kind for the 360° view, read from the index alone.
            models.Index(fields=["contact", "kind"], name="activity_contact_kind"),
            models.Index(
                fields=["contact", "due_at"],
                condition=Q(kind="task", status="open"),
                name="activity_contact_open_tasks",
            ),
            models.Index(
                fields=["organization", "due_at"],
                condition=Q(kind="task", status="open"),
                name="activity_org_open_tasks",
            ),
            models.Index(
                fields=["assignee", "status", "due_at"],
                condition=Q(kind="task"),
                name="activity_task_assignee_due",
            ),
            models.Index(
                fields=["message_id"], condition=~Q(message_id=""), name="activity_message_id"
            ),
            models.Index(fields=["thread"], condition=~Q(thread=""), name="activity_thread"),
            models.Index(
                fields=["linked_type", "linked_id", "occurred_at"],
                condition=Q(linked_id__isnull=False),
                name="activity_linked_time",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(contact__isnull=False) | Q(organization__isnull=False),
                name="activity_has_contact_or_organization",
            ),
            models.CheckConstraint(
                condition=Q(duration_seconds__isnull=True) | Q(duration_seconds__gte=0),
                name="activity_duration_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True)
                | Q(starts_at__isnull=False, ends_at__gte=models.F("starts_at")),
                name="activity_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(kind="task") | Q(status__in=TaskStatus.values, due_at__isnull=False),
                name="activity_task_has_status_and_due",
            ),
        ]

    def __str__(self) -> str:
        return self.subject or self.get_kind_display()

    def get_absolute_url(self) -> str:
        return reverse("activity-detail", args=[self.pk])

    @property
    def is_open_task(self) -> bool:
        return self.kind == Kind.TASK and self.status == TaskStatus.OPEN

    # The participants and files, as lists: those a query loaded with the
    # activity (``kontor.activities.selectors.related_prefetches``), else read now.
    @property
    def participant_list(self) -> list["Participant"]:
        return listed(self, "participants")

    @property
    def attachment_list(self) -> list[Any]:
        return listed(self, "attachments")


class Participant(models.Model):
    """A contact or a colleague taking part in a meeting."""

    id = models.BigAutoField(primary_key=True)
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="participants")
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="meeting_participations",
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(contact__isnull=False) & Q(user__isnull=True))
                | (Q(contact__isnull=True) & Q(user__isnull=False)),
                name="participant_is_contact_or_user",
            ),
            models.UniqueConstraint(
                fields=["activity", "contact"], name="participant_contact_once"
            ),
            models.UniqueConstraint(fields=["activity", "user"], name="participant_user_once"),
        ]

    def __str__(self) -> str:
        return str(self.contact or self.user)
