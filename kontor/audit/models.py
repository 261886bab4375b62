"""The audit trail: who did what to which record, when, through which path,
with the old and new values of each changed field.

Append-only. The database itself refuses to change or delete an entry (a
trigger, see migration 0002); only the retention purge and GDPR erasure in
``kontor.audit.services`` lift that refusal, for their own transaction."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    CREATE = "create", _("created")
    UPDATE = "update", _("changed")
    DELETE = "delete", _("deleted")
    READ = "read", _("read sensitive data")
    EXPORT = "export", _("exported")
    ERASE = "erase", _("erased (GDPR)")


class Channel(models.TextChoices):
    UI = "ui", _("web interface")
    API = "api", _("API")
    CLI = "cli", _("command line or background job")
    IMPORT = "import", _("import")
    WORKFLOW = "workflow", _("workflow")


class AuditEntry(models.Model):
    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(_("when"), default=timezone.now)
    # No database constraint and no cascade: deleting a user must neither
    # touch entries (they are append-only) nor lose who acted (actor_name).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_name = models.CharField(_("who (name)"), max_length=150, blank=True)
    channel = models.CharField(_("through"), max_length=16, choices=Channel.choices)
    request_id = models.CharField(_("request"), max_length=64, blank=True)
    # What acted for the actor: a workflow rule runs as its owner.
    via = models.CharField(_("via"), max_length=200, blank=True, default="", db_default="")
    action = models.CharField(_("action"), max_length=16, choices=AuditAction.choices)
    object_type = models.CharField(_("object type"), max_length=32)
    object_id = models.CharField(_("record"), max_length=64, blank=True)
    object_repr = models.CharField(_("record (name)"), max_length=255, blank=True)
    # The record an activity or a file belongs to, so that its history shows them.
    parent_type = models.CharField(max_length=32, blank=True)
    parent_id = models.CharField(max_length=64, blank=True)
    fields = models.JSONField(_("fields"), default=list, blank=True)
    # {field: [old, new]}; values of financial and special fields are masked.
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    # Concerns financial or special data: reads of it are kept longer.
    sensitive = models.BooleanField(_("sensitive data"), default=False)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        indexes = [
            models.Index(fields=["object_type", "object_id", "at"], name="audit_record"),
            models.Index(fields=["parent_type", "parent_id", "at"], name="audit_parent"),
            models.Index(fields=["actor", "at"], name="audit_actor"),
            models.Index(fields=["at"], name="audit_time"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name or '—'} {self.action} {self.object_type}"
