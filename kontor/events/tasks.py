"""The outbox's jobs on the worker: dispatching events, pruning old ones."""

from django_tasks import TaskContext, task

from kontor.events.dispatch import dispatch_pending, prune_dispatched
from kontor.tasks.services import job_finished


@task(takes_context=True)
def dispatch_outbox(context: TaskContext) -> int:
    """Hand the undispatched events to the consumers. The job gives up its
    key first: an event committed while it runs queues the next dispatcher
    instead of waiting for the schedule."""
    job_finished(context.task_result.id)
    return dispatch_pending()


@task()
def prune_outbox() -> int:
    return prune_dispatched()
