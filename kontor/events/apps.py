import datetime

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "kontor.events"
    label = "events"
    verbose_name = "Live events"

    def ready(self) -> None:
        from kontor.tasks.schedules import register_schedule

        # The safety net of the outbox: events whose commit did not queue a
        # dispatcher (a crash right after the commit) go out within a minute.
        register_schedule(
            "events.dispatch",
            "kontor.events.tasks.dispatch_outbox",
            every=datetime.timedelta(minutes=1),
            description=_("Hand new events to webhooks and other consumers."),
        )
        register_schedule(
            "events.prune",
            "kontor.events.tasks.prune_outbox",
            cron="50 3 * * *",
            description=_("Delete dispatched events after their retention time."),
        )
