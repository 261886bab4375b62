from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    name = "kontor.quality"
    label = "quality"
    verbose_name = _("Data quality")

    def ready(self) -> None:
        from kontor.core.records import register_quality_filter
        from kontor.events.dispatch import register_consumer
        from kontor.quality.overview import register_quality_section
        from kontor.tasks.schedules import register_schedule

        register_quality_filter("kontor.quality.selectors.scored_below")
        register_quality_section()
        # After the duplicate layer's consumer (kontor.dedupe comes first in
        # INSTALLED_APPS): the candidates counted are those of the same events.
        register_consumer("kontor.quality.consumers.rescore_changed")
        register_schedule(
            "quality.rescore",
            "kontor.quality.tasks.rescore_quality",
            cron="30 3 * * *",
            description=_("Compute the quality score of every contact and organization."),
        )
