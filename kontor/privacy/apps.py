from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "kontor.privacy"
    label = "privacy"
    verbose_name = _("Data protection")

    def ready(self) -> None:
        from kontor.core.erasure import register_suppression_check
        from kontor.core.records import MergeLink, register_merge_link

        register_suppression_check("kontor.privacy.suppression.is_suppressed")

        # A person's requests follow them into the record they are merged into.
        register_merge_link(
            MergeLink(
                key="data_subject_request", model="privacy.DataSubjectRequest", paths=("contact",)
            )
        )
