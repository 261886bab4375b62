from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "kontor.audit"
    label = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        from django.db import connections

        from kontor.audit.locking import register_sqlite_function
        from kontor.tasks.schedules import register_schedule

        register_schedule(
            "audit.purge",
            "kontor.audit.tasks.purge_audit_entries",
            cron="15 3 * * *",
            description=_("Delete audit entries past their retention period."),
        )

        # SQLite's append-only triggers ask this function (kontor.audit.locking).
        connection_created.connect(register_sqlite_function, dispatch_uid="kontor-audit-sqlite")
        for connection in connections.all(initialized_only=True):
            if connection.connection is not None:
                register_sqlite_function(None, connection)
