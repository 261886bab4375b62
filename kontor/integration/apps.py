import datetime

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationConfig(AppConfig):
    name = "kontor.integration"
    label = "integration"
    verbose_name = _("Integration")

    def ready(self) -> None:
        from kontor.core.processing import register_recipient_source

        register_recipient_source("kontor.integration.processing.recipients_for_register")
        from django.utils.translation import gettext_noop

        from kontor.core.erasure import ErasureStore, register_erasure_store
        from kontor.core.outgoing_mail import register_email_queue
        from kontor.core.records import (
            MergeLink,
            PersonalData,
            PersonalDataHolder,
            register_merge_link,
            register_personal_data_holder,
            register_recipient_reader,
        )
        from kontor.events.dispatch import register_consumer
        from kontor.tasks.schedules import register_schedule

        register_consumer("kontor.integration.webhooks.fanout.fan_out")
        register_merge_link(
            MergeLink(
                key="sent_email",
                model="integration.OutgoingEmail",
                paths=("contact", "organization"),
            )
        )
        register_erasure_store(
            ErasureStore(
                name=gettext_noop("webhook deliveries"),
                erase="kontor.integration.erasure.erase_webhook_deliveries",
                order=95,
            )
        )
        register_email_queue(
            "kontor.integration.email.services.email_send",
            reader="kontor.integration.email.selectors.email_get",
        )
        register_recipient_reader("kontor.integration.webhooks.selectors.recipients_of")
        # An email sent to a customer, with the message as sent, belongs to their export.
        register_personal_data_holder(
            PersonalDataHolder(
                key="sent_email",
                label=_("outgoing email"),
                label_plural=_("outgoing emails"),
                model="integration.OutgoingEmail",
                personal_data=PersonalData(
                    links=("contact",),
                    files=("raw",),
                    erase="kontor.integration.erasure.erase_sent_emails",
                    erase_order=10,
                ),
                serialize="kontor.integration.email.payloads.sent_email_answer",
            )
        )
        register_schedule(
            "webhooks.deliver",
            "kontor.integration.webhooks.tasks.deliver_due",
            every=datetime.timedelta(minutes=1),
            description=_("Send webhook deliveries that are due (retries, lost workers)."),
        )
        register_schedule(
            "webhooks.prune",
            "kontor.integration.webhooks.tasks.prune_deliveries",
            cron="10 4 * * *",
            description=_("Delete finished webhook deliveries after their retention time."),
        )
