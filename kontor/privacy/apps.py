from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "kontor.privacy"
    label = "privacy"
    verbose_name = _("Data protection")

    def ready(self) -> None:
        from kontor.core.erasure import register_suppression_check
        from kontor.core.records import MergeLink, register_merge_link
        from kontor.tasks.schedules import register_schedule

        register_suppression_check("kontor.privacy.suppression.is_suppressed")
        register_schedule(
            "privacy.retention",
            "kontor.privacy.retention.run_retention_rules",
            cron="30 2 * * *",
            description=_("Erase records whose retention period has ended."),
        )

        # A person's requests follow them into the record they are merged into.
        register_merge_link(
            MergeLink(
                key="data_subject_request", model="privacy.DataSubjectRequest", paths=("contact",)
            )
        )
