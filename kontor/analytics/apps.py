import datetime

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "kontor.analytics"
    label = "analytics"
    verbose_name = _("Analytics")

    def ready(self) -> None:
        from kontor.analytics.scoring import register_deal_score
        from kontor.events.dispatch import register_consumer
        from kontor.tasks.schedules import register_schedule

        register_consumer("kontor.analytics.rollup.note_changed_activities")
        register_schedule(
            "analytics.activity_rollup",
            "kontor.analytics.tasks.refresh_activity_rollup",
            every=datetime.timedelta(minutes=10),
            description=_("Count the recent weeks' activities per day for the dashboards."),
        )
        register_schedule(
            "analytics.activity_rollup_rebuild",
            "kontor.analytics.tasks.rebuild_activity_rollup",
            cron="15 3 * * *",
            description=_("Count every day's activities anew for the dashboards."),
        )
        register_schedule(
            "analytics.lead_scoring",
            "kontor.analytics.tasks.train_lead_scoring",
            cron="45 3 * * *",
            description=_("Train the lead scoring on won and lost deals and score the open ones."),
        )
        register_deal_score()
