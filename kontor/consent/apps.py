from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsentConfig(AppConfig):
    name = "kontor.consent"
    label = "consent"
    verbose_name = _("Consent and legal basis")

    def ready(self) -> None:
        from kontor.core.processing import register_objection_handler, register_purpose_reader

        register_purpose_reader("kontor.consent.processing.purposes_for_register")
        register_objection_handler("kontor.consent.services.record_objection")
        from kontor.core.records import (
            MergeLink,
            PersonalData,
            PersonalDataHolder,
            register_merge_link,
            register_personal_data_holder,
        )

        # A person's consents follow them into the record they are merged into.
        register_merge_link(
            MergeLink(key="consent_record", model="consent.ConsentRecord", paths=("contact",))
        )
        register_merge_link(
            MergeLink(key="consent_opt_in", model="consent.OptIn", paths=("contact",))
        )
        # The consents belong to the person's access export and go with an erasure.
        register_personal_data_holder(
            PersonalDataHolder(
                key="consent",
                label=_("consent"),
                label_plural=_("consents"),
                model="consent.ConsentRecord",
                personal_data=PersonalData(
                    links=("contact",),
                    erase="kontor.consent.erasure.erase_consents",
                    erase_order=20,
                ),
                serialize="kontor.consent.selectors.consent_answer",
            )
        )
