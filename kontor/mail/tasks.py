"""Mailbox polling on the worker: every KONTOR_MAIL_POLL_SECONDS the schedule
queues one job per active mailbox (a mailbox that cannot be read fails on its
own and is tried again, without holding up the others)."""

from django_tasks import task

from kontor.mail.imap import MailboxError, mailbox_fetch
from kontor.mail.models import Mailbox
from kontor.tasks.services import enqueue


@task()
def poll_mailboxes() -> int:
    """Queue a fetch of every active mailbox; returns how many."""
    mailboxes = list(Mailbox.objects.filter(is_active=True).values_list("pk", "name"))
    for pk, name in mailboxes:
        enqueue(
            fetch_mailbox,
            args=[str(pk)],
            name=f"Fetch mail: {name}",
            unique_key=f"mail.fetch:{pk}",
            max_attempts=3,
            backoff_seconds=60,
        )
    return len(mailboxes)


@task()
def fetch_mailbox(mailbox_id: str) -> dict[str, int]:
    """Import the unread messages of one mailbox (they are marked read only
    once stored, so a fetch killed halfway loses nothing)."""
    mailbox = Mailbox.objects.filter(pk=mailbox_id, is_active=True).select_related("owner").first()
    if mailbox is None:
        return {"imported": 0, "duplicates": 0, "with_problems": 0}
    try:
        report = mailbox_fetch(mailbox=mailbox)
    except MailboxError as exc:
        raise RuntimeError(f"{mailbox.name}: {exc}") from exc
    return {
        "imported": report.imported,
        "duplicates": report.duplicates,
        "with_problems": report.with_problems,
    }
