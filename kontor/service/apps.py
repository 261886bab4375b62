from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "kontor.service"
    label = "service"
    verbose_name = _("Service")

    def ready(self) -> None:
        from kontor.core.inbound_mail import register_inbound_router
        from kontor.core.records import register_record_type
        from kontor.service.records import TICKET

        register_record_type(TICKET)
        # Email to ticket: mail to a service address, and replies on tickets.
        register_inbound_router("kontor.service.mail_in.route")
