from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "kontor.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from django.utils.translation import gettext_noop

        from kontor.core.erasure import ErasureStore, register_erasure_store
        from kontor.core.notices import register_notifier

        register_notifier("kontor.notifications.services.notify")

        register_erasure_store(
            ErasureStore(
                name=gettext_noop("notifications"),
                erase="kontor.notifications.erasure.erase_notifications",
                order=5,
            )
        )
