"""The import's job on the worker. Run again after a lost worker, it goes
on after the last committed batch."""

from django.db import transaction
from django.utils import timezone
from django_tasks import TaskContext, task

from kontor.imports.models import Import
from kontor.imports.services import import_run
from kontor.tasks.services import enqueue, report_progress


@task(takes_context=True)
def run_import(context: TaskContext, import_id: str) -> int:
    data_import = Import.objects.select_related("created_by").filter(pk=import_id).first()
    if data_import is None:
        return 0
    job_id = context.task_result.id

    def progress(done: int, total: int | None) -> None:
        report_progress(job_id, done=done, total=total)

    return import_run(data_import, progress=progress).rows_done


def import_start(data_import: Import) -> None:
    """Queue the import on the worker (once, however often it is asked);
    from then on its mapping and options stay as they are."""
    with transaction.atomic():
        data_import.queued_at = timezone.now()
        Import.objects.filter(pk=data_import.pk).update(queued_at=data_import.queued_at)
        enqueue(
            run_import,
            args=[str(data_import.pk)],
            name=f"Import {data_import.filename}"[:200],
            unique_key=f"imports.run:{data_import.pk}",
            max_attempts=3,
            requested_by=data_import.created_by,
        )
