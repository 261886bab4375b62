"""Files attached to an activity, a contact or an organization.

The bytes live in Django's default storage (a local folder or S3-compatible
object storage, see ``STORAGES`` in settings); they are never served from a
public URL, only by views that check access first."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kontor.activities.models import Activity
from kontor.contacts.models import Contact, Organization
from kontor.core.models import BaseModel


def storage_name(instance: "Attachment", filename: str) -> str:
    """A path that reveals nothing about the file: the original name is kept
    in the database only."""
    today = timezone.now()
    return f"attachments/{today:%Y/%m}/{uuid.uuid4().hex}"


class Attachment(BaseModel):
    file = models.FileField(upload_to=storage_name, max_length=255)
    name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    content_type = models.CharField(_("content type"), max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    # The record the file is about besides what it is attached to (a deal;
    # kontor.activities.links).
    linked_type = models.CharField(max_length=32, blank=True, default="", db_default="")
    linked_id = models.UUIDField(null=True, blank=True)

    class Meta(BaseModel.Meta):
        verbose_name = _("file")
        verbose_name_plural = _("files")
        indexes = [
            models.Index(fields=["activity", "created_at"], name="attachment_activity"),
            models.Index(fields=["contact", "created_at"], name="attachment_contact"),
            models.Index(fields=["organization", "created_at"], name="attachment_organization"),
            models.Index(
                fields=["linked_type", "linked_id", "created_at"],
                condition=Q(linked_id__isnull=False),
                name="attachment_linked",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(activity__isnull=False, contact__isnull=True, organization__isnull=True)
                | Q(activity__isnull=True, contact__isnull=False, organization__isnull=True)
                | Q(activity__isnull=True, contact__isnull=True, organization__isnull=False),
                name="attachment_has_one_owner",
            )
        ]

    def __str__(self) -> str:
        return self.name
