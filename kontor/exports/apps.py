from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "kontor.exports"
    verbose_name = "Exports"
