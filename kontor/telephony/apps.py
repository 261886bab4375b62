from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TelephonyConfig(AppConfig):
    name = "kontor.telephony"
    label = "telephony"
    verbose_name = _("Telephony")

    def ready(self) -> None:
        from kontor.core.encryption import register_encrypted_column

        # The phone systems' shared secrets (kontor.core.encryption).
        register_encrypted_column("telephony.PhoneIntegration", "secret_encrypted")
