"""``kontor fetchmail``: import unread messages from the IMAP mailboxes set up
in the admin, once or every N seconds (``--loop``)."""

import time

from django.core.management.base import BaseCommand, CommandError

from kontor.mail.imap import MailboxError, mailbox_fetch
from kontor.mail.models import Mailbox


class Command(BaseCommand):
    help = "Import unread emails from the IMAP mailboxes configured in the admin."

    def add_arguments(self, parser):
        parser.add_argument("--mailbox", help="Only this mailbox (its name or id).")
        parser.add_argument(
            "--loop",
            type=int,
            metavar="SECONDS",
            help="Keep running, fetching every SECONDS seconds.",
        )

    def handle(self, *args, mailbox: str | None, loop: int | None, **options):
        if loop is not None and loop < 1:
            raise CommandError("--loop needs a number of seconds of at least 1.")
        while True:
            failures = self._fetch_all(mailbox)
            if loop is None:
                if failures:
                    raise CommandError(f"{failures} mailbox(es) could not be read.")
                return
            time.sleep(loop)

    def _mailboxes(self, only: str | None) -> list[Mailbox]:
        mailboxes = Mailbox.objects.filter(is_active=True).select_related("owner")
        if only:
            by_name = [m for m in mailboxes if m.name == only or str(m.pk) == only]
            if not by_name:
                raise CommandError(f"No active mailbox named {only!r}.")
            return by_name
        return list(mailboxes.order_by("name"))

    def _fetch_all(self, only: str | None) -> int:
        failures = 0
        for mailbox in self._mailboxes(only):
            try:
                report = mailbox_fetch(mailbox=mailbox)
            except MailboxError as exc:
                failures += 1
                self.stderr.write(f"{mailbox.name}: {exc}")
                continue
            self.stdout.write(
                f"{mailbox.name}: {report.imported} imported, {report.duplicates} duplicates, "
                f"{report.with_problems} with problems"
            )
            for error in report.errors:
                self.stderr.write(f"{mailbox.name}: {error}")
        return failures
