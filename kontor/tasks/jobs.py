"""The queue's own periodic jobs, and the pruning of the shared counters
beneath every app (kontor.core.counters)."""

import datetime

from django.conf import settings
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from kontor.core.counters import prune_window_counts

PRUNE_BATCH = 1000


@task()
def prune_finished_jobs() -> int:
    """Delete jobs that finished longer ago than KONTOR_JOB_RETENTION_DAYS
    (their Job rows go with them), in batches."""
    cutoff = timezone.now() - datetime.timedelta(days=settings.KONTOR_JOB_RETENTION_DAYS)
    finished = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff)
    deleted = 0
    while ids := list(finished.values_list("pk", flat=True)[:PRUNE_BATCH]):
        deleted += (
            DBTaskResult.objects.filter(pk__in=ids).delete()[1].get(DBTaskResult._meta.label, 0)
        )
    return deleted


@task()
def prune_rate_counts() -> int:
    """Delete the API's rate-limit counts whose window ended."""
    return prune_window_counts()
