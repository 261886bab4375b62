from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "kontor.accounts"
    label = "accounts"
    verbose_name = _("Accounts and API tokens")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from kontor.accounts.two_factor import on_user_logged_in

        # Decides at login whether the session still owes a second factor.
        user_logged_in.connect(on_user_logged_in, dispatch_uid="kontor-two-factor")
