"""The worker's job that sends a queued email."""

from django_tasks import task

from kontor.integration.email.sending import deliver


@task()
def send_outgoing_email(outgoing_id: str) -> str:
    return deliver(outgoing_id)
