from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "kontor.service"
    label = "service"
    verbose_name = _("Service")

    def ready(self) -> None:
        from kontor.core.records import register_record_type
        from kontor.service.overview import register_overview_sections
        from kontor.service.records import TICKET

        register_record_type(TICKET)
        register_overview_sections()
