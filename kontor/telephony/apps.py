from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TelephonyConfig(AppConfig):
    name = "kontor.telephony"
    label = "telephony"
    verbose_name = _("Telephony")

    def ready(self) -> None:
        from kontor.core.processing import register_recipient_source

        register_recipient_source("kontor.telephony.processing.recipients_for_register")
        from kontor.core.encryption import register_encrypted_column
        from kontor.core.records import (
            MergeLink,
            PersonalData,
            PersonalDataHolder,
            register_merge_link,
            register_personal_data_holder,
            register_warehouse_table,
        )
        from kontor.events.catalogue import EventType, register_event_type
        from kontor.telephony.warehouse import CALL

        # The phone systems' shared secrets (kontor.core.encryption).
        register_warehouse_table(CALL)
        register_merge_link(
            MergeLink(key="call", model="telephony.Call", paths=("contact", "organization"))
        )
        register_encrypted_column("telephony.PhoneIntegration", "secret_encrypted")
        # A call as the phone system reported it belongs to the caller's export.
        register_personal_data_holder(
            PersonalDataHolder(
                key="call",
                label=_("call"),
                label_plural=_("calls"),
                model="telephony.Call",
                personal_data=PersonalData(
                    links=("contact",), erase="kontor.telephony.erasure.erase_calls", erase_order=10
                ),
                serialize="kontor.telephony.payloads.call_answer",
            )
        )
        for name, description in (
            ("call.started", _("A phone system reported a new call.")),
            ("call.ended", _("A call ended or was missed.")),
        ):
            register_event_type(
                EventType(
                    name=name,
                    model="telephony.Call",
                    serialize="kontor.telephony.payloads.call_answer",
                    description=description,
                )
            )
