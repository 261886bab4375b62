"""The background queue's bookkeeping.

Tasks themselves are rows of django-tasks-db (``DBTaskResult``: status,
arguments, times, the ids of the workers that claimed it, the last error).
Kontor keeps beside each one a ``Job``: its name, how often it may be tried,
how far it got; plus the ``Schedule`` of periodic jobs and a heartbeat per
running worker process, from which abandoned tasks are recovered."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tasks_db.models import DBTaskResult

from kontor.core.models import BaseModel


class Schedule(BaseModel):
    """A periodic job: ``cron`` (five fields, in KONTOR_TIME_ZONE) or every
    ``every_seconds``. Apps register their schedules in code
    (``kontor.tasks.schedules.register_schedule``); administrators may switch
    one off or change when it runs."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    task_path = models.CharField(_("task"), max_length=200)
    description = models.CharField(_("description"), max_length=255, blank=True)
    cron = models.CharField(
        _("cron expression"),
        max_length=100,
        blank=True,
        help_text=_('Minute hour day month weekday, e.g. "15 3 * * *" for 03:15 every day.'),
    )
    every_seconds = models.PositiveIntegerField(_("every (seconds)"), null=True, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    next_run_at = models.DateTimeField(_("next run"), db_index=True)
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("schedule")
        verbose_name_plural = _("schedules")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(cron="") | models.Q(every_seconds__gt=0),
                name="schedule_has_cron_or_interval",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Job(models.Model):
    """Kontor's side of one queued task."""

    result = models.OneToOneField(
        DBTaskResult, primary_key=True, on_delete=models.CASCADE, related_name="kontor_job"
    )
    name = models.CharField(_("name"), max_length=200)
    created_at = models.DateTimeField(_("queued at"), db_index=True)
    max_attempts = models.PositiveSmallIntegerField(_("attempts allowed"), default=5)
    # Seconds before the second attempt; each further one waits twice as long.
    backoff_seconds = models.PositiveIntegerField(default=30)
    progress_done = models.PositiveBigIntegerField(null=True, blank=True)
    progress_total = models.PositiveBigIntegerField(null=True, blank=True)
    # At most one queued or running job per key (cleared when it finishes).
    pending_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    schedule = models.ForeignKey(
        Schedule, null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-result"]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")

    def __str__(self) -> str:
        return self.name


class WorkerProcess(models.Model):
    """A running ``kontor worker``; it renews ``seen_at`` while it lives. A
    task claimed by a process that stopped renewing is run again."""

    id = models.CharField(primary_key=True, max_length=64)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    concurrency = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return self.id
