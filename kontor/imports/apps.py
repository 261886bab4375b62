from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "kontor.imports"
    label = "imports"
    verbose_name = _("Imports")

    def ready(self) -> None:
        from django.utils.translation import gettext_noop

        from kontor.core.erasure import ErasureStore, register_erasure_store

        register_erasure_store(
            ErasureStore(
                name=gettext_noop("import error reports"),
                erase="kontor.imports.erasure.erase_rejected_rows",
            )
        )
