"""``kontor purgeaudit``: delete audit entries past their retention period
(KONTOR_AUDIT_RETENTION_DAYS; reads of financial and special data after
KONTOR_AUDIT_SENSITIVE_READ_RETENTION_DAYS). The worker runs it daily (the
``audit.purge`` schedule, docs/background.md); this runs it by hand."""

from django.core.management.base import BaseCommand

from kontor.audit.services import purge_expired


class Command(BaseCommand):
    help = "Delete audit entries older than their retention period."

    def handle(self, *args, **options):
        deleted = purge_expired()
        self.stdout.write(
            f"Deleted {deleted['entries']} audit entries and "
            f"{deleted['sensitive_reads']} records of sensitive reads."
        )
