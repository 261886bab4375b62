"""``kontor flush``: Django's flush, which empties every table, with the audit
trail's append-only lock lifted for it (kontor.audit.locking). Emptying the
whole database is the one operation besides retention and GDPR erasure that
removes audit entries; test runs use it between transactional tests."""

from django.core.management.commands.flush import Command as FlushCommand

from kontor.audit.locking import audit_unlocked


class Command(FlushCommand):
    def handle(self, **options):
        with audit_unlocked(options["database"]):
            return super().handle(**options)
