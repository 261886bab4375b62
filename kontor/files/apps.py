from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FilesConfig(AppConfig):
    name = "kontor.files"
    label = "files"
    verbose_name = _("Files")

    def ready(self) -> None:
        from kontor.core.records import register_record_type
        from kontor.files import signals  # noqa: F401
        from kontor.files.records import FILE

        register_record_type(FILE)
