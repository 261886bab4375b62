"""The service app's jobs on the worker: SLA escalations at their moment
(kontor.service.sla)."""

from django.utils import timezone
from django_tasks import task

from kontor.service.sla import escalate


@task()
def check_sla(ticket_id: str, field: str, stage: str, due: str) -> str:
    return escalate(ticket_id=ticket_id, field=field, stage=stage, due=due, now=timezone.now())
