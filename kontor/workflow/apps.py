import datetime

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "kontor.workflow"
    label = "workflow"
    verbose_name = _("Workflow rules")

    def ready(self) -> None:
        from kontor.events.dispatch import register_consumer
        from kontor.tasks.schedules import register_schedule

        register_consumer("kontor.workflow.consumer.queue_rules")
        register_schedule(
            "workflow.time_rules",
            "kontor.workflow.tasks.run_time_rules",
            every=datetime.timedelta(minutes=5),
            description=_("Run the workflow rules whose time has come (dates, inactivity)."),
        )
        register_schedule(
            "workflow.prune",
            "kontor.workflow.tasks.prune_runs",
            cron="20 4 * * *",
            description=_("Delete the log of workflow runs after its retention time."),
        )
