"""Tasks the queue's tests run, in this process and in `kontor worker`
processes (which import them from the repository root)."""

import time
from pathlib import Path

from django_tasks import TaskContext, task

from kontor.contacts.models import Tag
from kontor.tasks.services import report_progress


@task()
def add(a: int, b: int) -> int:
    return a + b


@task()
def tag(name: str) -> str:
    """An effect that must happen once: a second run would fail on the
    unique name."""
    Tag.objects.create(name=name)
    return name


@task()
def fail_until(name: str, successes_after: int) -> int:
    """Fails on its first ``successes_after`` runs (counted in tags)."""
    runs = Tag.objects.filter(name__startswith=f"{name}#").count() + 1
    Tag.objects.create(name=f"{name}#{runs}")
    if runs <= successes_after:
        raise RuntimeError(f"run {runs} of {name} fails on purpose")
    return runs


@task()
def always_fails() -> None:
    raise ValueError("the partner system answered 503")


@task(takes_context=True)
def counted(context: TaskContext, total: int) -> int:
    for done in range(1, total + 1):
        report_progress(context.task_result.id, done=done, total=total)
    return total


@task()
def wait_for(folder: str, name: str) -> str:
    """Says it started, waits until it may go on, then tags ``name`` once
    (however often it runs)."""
    Path(folder, f"{name}.started").touch()
    deadline = time.monotonic() + 120
    while not Path(folder, "go").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    Tag.objects.get_or_create(name=name)
    return name
