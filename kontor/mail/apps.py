import datetime

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class MailConfig(AppConfig):
    name = "kontor.mail"
    label = "mail"
    verbose_name = _("Email")

    def ready(self) -> None:
        from kontor.core.processing import register_recipient_source

        register_recipient_source("kontor.mail.processing.recipients_for_register")
        from kontor.core.encryption import register_encrypted_column
        from kontor.core.records import (
            PersonalData,
            PersonalDataHolder,
            register_personal_data_holder,
            register_warehouse_table,
        )
        from kontor.events.catalogue import EventType, register_event_type
        from kontor.mail import signals  # noqa: F401 (connects the receiver)
        from kontor.mail.warehouse import EMAIL
        from kontor.tasks.schedules import register_schedule

        # The mailboxes' IMAP passwords (kontor.core.encryption).
        register_warehouse_table(EMAIL)
        register_encrypted_column("mail.Mailbox", "password_encrypted")
        register_schedule(
            "mail.poll",
            "kontor.mail.tasks.poll_mailboxes",
            every=datetime.timedelta(seconds=settings.KONTOR_MAIL_POLL_SECONDS),
            description=_("Fetch new emails from the IMAP mailboxes."),
        )
        # A received email's raw message belongs to its sender's export.
        register_personal_data_holder(
            PersonalDataHolder(
                key="received_email",
                label=_("received email"),
                label_plural=_("received emails"),
                model="mail.InboundMessage",
                personal_data=PersonalData(
                    links=("activity__contact",),
                    files=("raw",),
                    erase="kontor.mail.erasure.erase_received_emails",
                    erase_order=10,
                ),
                serialize="kontor.mail.payloads.received_email_answer",
            )
        )
        register_event_type(
            EventType(
                name="email.received",
                model="mail.InboundMessage",
                serialize="kontor.mail.payloads.received_email_answer",
                description=_("An email was received (API, IMAP or upload)."),
            )
        )
