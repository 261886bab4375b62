from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "kontor.tasks"
    label = "tasks"
    verbose_name = _("Background jobs")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from kontor.tasks.schedules import register_schedule, sync_schedules_after_migrate

        register_schedule(
            "tasks.prune",
            "kontor.tasks.jobs.prune_finished_jobs",
            cron="40 3 * * *",
            description=_("Delete finished jobs after their retention time."),
        )
        register_schedule(
            "tasks.prune-rate-counts",
            "kontor.tasks.jobs.prune_rate_counts",
            cron="50 3 * * *",
            description=_("Delete the API's rate-limit counts whose window ended."),
        )
        post_migrate.connect(
            sync_schedules_after_migrate, sender=self, dispatch_uid="kontor-tasks-schedules"
        )
