"""The audit trail's retention purge, run daily by the worker."""

from django_tasks import task

from kontor.audit.services import purge_expired


@task()
def purge_audit_entries() -> dict[str, int]:
    return purge_expired()
