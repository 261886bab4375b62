from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FilesConfig(AppConfig):
    name = "kontor.files"
    label = "files"
    verbose_name = _("Files")

    def ready(self) -> None:
        from kontor.files import signals  # noqa: F401
