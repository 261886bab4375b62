"""Rules (trigger, conditions, actions), their runs, and what round-robin
assignment and time-based triggers remember."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kontor.core.models import BaseModel


class Rule(BaseModel):
    """A rule runs on the worker as its ``owner``: its actions obey the
    owner's access. ``trigger``, ``conditions`` and ``actions`` are the JSON
    of the API, checked by ``kontor.workflow.spec`` when saved."""

    name = models.CharField(_("name"), max_length=200)
    active = models.BooleanField(_("active"), default=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="workflow_rules",
    )
    record_type = models.CharField(_("record type"), max_length=32)
    trigger = models.JSONField(_("trigger"), default=dict)
    conditions = models.JSONField(_("conditions"), default=dict, blank=True)
    actions = models.JSONField(_("actions"), default=list)
    version = models.PositiveIntegerField(default=1)
    # Time-based triggers: the moments up to here have been looked at.
    checked_until = models.DateTimeField(null=True, blank=True)
    # Round-robin assignment: who got the last record.
    last_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("workflow rule")
        verbose_name_plural = _("workflow rules")
        indexes = [models.Index(fields=["active", "record_type"], name="workflow_rule_active")]

    def __str__(self) -> str:
        return self.name


class Run(BaseModel):
    """One evaluation of a rule on a record: whether the conditions held and
    each action's result (``[{"type", "status", "error", "detail"}]``)."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="runs")
    record_type = models.CharField(max_length=32)
    record_id = models.CharField(max_length=64)
    trigger = models.CharField(max_length=32)
    # The outbox event that triggered it (none for time-based and dry runs).
    event_id = models.UUIDField(null=True, blank=True)
    matched = models.BooleanField(default=False)
    actions = models.JSONField(default=list, blank=True)
    dry_run = models.BooleanField(default=False)
    depth = models.PositiveSmallIntegerField(default=1)
    error = models.CharField(max_length=500, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["rule", "started_at"], name="workflow_run_rule")]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "event_id"],
                condition=models.Q(event_id__isnull=False),
                name="workflow_run_once_per_event",
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} on {self.record_type} {self.record_id}"


class Fired(models.Model):
    """A time-based rule fired for a record at a due moment: once only."""

    id = models.BigAutoField(primary_key=True)
    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="+")
    record_id = models.CharField(max_length=64)
    due_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "record_id", "due_at"], name="workflow_fired_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.record_id} {self.due_at:%Y-%m-%d %H:%M}"
