from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "kontor.service"
    label = "service"
    verbose_name = _("Service")

    def ready(self) -> None:
        from kontor.core.inbound_mail import register_inbound_router
        from kontor.core.records import (
            PersonalData,
            PersonalDataHolder,
            register_personal_data_holder,
            register_record_type,
        )
        from kontor.service.overview import register_overview_sections
        from kontor.service.records import TICKET

        register_record_type(TICKET)
        register_overview_sections()
        # What a person wrote to the service and was told belongs to their export.
        register_personal_data_holder(
            PersonalDataHolder(
                key="ticket_message",
                label=_("ticket message"),
                label_plural=_("ticket messages"),
                model="service.TicketMessage",
                personal_data=PersonalData(
                    links=("ticket__contact",),
                    erase="kontor.service.erasure.erase_ticket_messages",
                    erase_order=40,
                ),
                serialize="kontor.service.payloads.message_answer",
            )
        )
        # Email to ticket: mail to a service address, and replies on tickets.
        register_inbound_router("kontor.service.mail_in.route")
