from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DedupeConfig(AppConfig):
    name = "kontor.dedupe"
    label = "dedupe"
    verbose_name = _("Duplicates")

    def ready(self) -> None:
        from kontor.core.records import register_merge_directory
        from kontor.events.dispatch import register_consumer
        from kontor.tasks.schedules import register_schedule

        register_merge_directory(
            "kontor.dedupe.selectors.merged_into",
            "kontor.dedupe.selectors.possible_duplicates",
        )
        register_consumer("kontor.dedupe.consumers.rescan_changed")
        register_schedule(
            "duplicates.scan",
            "kontor.dedupe.tasks.scan_duplicates",
            cron="30 2 * * *",
            description=_("Look for duplicate contacts and organizations."),
        )
