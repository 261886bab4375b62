from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServerConfig(AppConfig):
    """The top floor: commands that run Kontor as a whole (``kontor start``,
    ``kontor serve``) and so may use every domain."""

    name = "kontor.server"
    label = "server"
    verbose_name = _("Server")
