from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "kontor.privacy"
    label = "privacy"
    verbose_name = _("Data protection")

    def ready(self) -> None:
        from kontor.core.erasure import register_suppression_check

        register_suppression_check("kontor.privacy.suppression.is_suppressed")
