from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "kontor.events"
    label = "events"
    verbose_name = "Live events"
