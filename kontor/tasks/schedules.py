"""Periodic jobs, kept in the database (``Schedule``) so that any number of
workers share them and each run is queued once.

Apps register their schedules in code from ``AppConfig.ready()``; the rows
are made on ``migrate`` and when a worker starts. An administrator may
switch a schedule off or give it another time; that stays. Cron expressions
are read by croniter in KONTOR_TIME_ZONE."""

import datetime
import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from croniter import croniter
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.module_loading import import_string

from kontor.tasks.models import Schedule

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScheduleSpec:
    name: str
    task_path: str
    cron: str = ""
    every_seconds: int | None = None
    description: Promise | str = ""
    max_attempts: int = 3


_SPECS: dict[str, ScheduleSpec] = {}


def register_schedule(
    name: str,
    task_path: str,
    *,
    cron: str = "",
    every: datetime.timedelta | None = None,
    description: Promise | str = "",
    max_attempts: int = 3,
) -> None:
    """Run the task at ``task_path`` (a ``@task`` without arguments) by
    ``cron`` or ``every`` so long."""
    if bool(cron) == (every is not None):
        raise ValueError(f"schedule {name}: give either cron or every")
    if cron and not croniter.is_valid(cron):
        raise ValueError(f"schedule {name}: {cron!r} is no cron expression")
    seconds = int(every.total_seconds()) if every is not None else None
    _SPECS[name] = ScheduleSpec(name, task_path, cron, seconds, description, max_attempts)


def registered_schedules() -> list[ScheduleSpec]:
    return list(_SPECS.values())


def next_run(schedule: Schedule | ScheduleSpec, after: datetime.datetime) -> datetime.datetime:
    if schedule.cron:
        local = after.astimezone(ZoneInfo(settings.TIME_ZONE))
        following = croniter(schedule.cron, local).get_next(datetime.datetime)
        return following.astimezone(datetime.UTC)
    return after + datetime.timedelta(seconds=schedule.every_seconds or 60)


def sync_schedules(now: datetime.datetime | None = None) -> None:
    """Make a row for every registered schedule; keep what administrators
    changed (enabled, cron, interval), follow the code for the task."""
    now = now or timezone.now()
    existing = {s.name: s for s in Schedule.objects.all()}
    for spec in _SPECS.values():
        row = existing.get(spec.name)
        if row is None:
            Schedule.objects.get_or_create(
                name=spec.name,
                defaults={
                    "task_path": spec.task_path,
                    "cron": spec.cron,
                    "every_seconds": spec.every_seconds,
                    "description": str(spec.description),
                    "next_run_at": next_run(spec, now),
                },
            )
        elif row.task_path != spec.task_path or row.description != str(spec.description):
            row.task_path, row.description = spec.task_path, str(spec.description)
            row.save(update_fields=["task_path", "description", "updated_at"])


def sync_schedules_after_migrate(sender, **kwargs) -> None:
    sync_schedules()


def fire_due_schedules(now: datetime.datetime | None = None) -> int:
    """Queue the job of every schedule whose time has come, once however many
    workers ask at the same moment (the rows are locked; on SQLite the write
    transaction serializes). A schedule whose previous job is still queued or
    running is not queued twice. Returns how many were queued."""
    from kontor.tasks.services import enqueue

    now = now or timezone.now()
    queued = 0
    with transaction.atomic():
        due = (
            Schedule.objects.select_for_update(skip_locked=True)
            .filter(enabled=True, next_run_at__lte=now)
            .order_by("next_run_at")
        )
        for schedule in due:
            spec = _SPECS.get(schedule.name)
            try:
                task = import_string(schedule.task_path)
            except ImportError:
                logger.error("schedule %s names a task that does not exist", schedule.name)
            else:
                enqueue(
                    task,
                    name=str(spec.description or schedule.name) if spec else schedule.name,
                    schedule=schedule,
                    unique_key=f"schedule:{schedule.name}",
                    max_attempts=spec.max_attempts if spec else 3,
                )
                queued += 1
            schedule.last_run_at = now
            schedule.next_run_at = next_run(schedule, now)
            schedule.save(update_fields=["last_run_at", "next_run_at", "updated_at"])
    return queued
