from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WarehouseConfig(AppConfig):
    name = "kontor.warehouse"
    label = "warehouse"
    verbose_name = _("Warehouse export")

    def ready(self) -> None:
        from django.utils.translation import gettext_noop

        from kontor.core.erasure import ErasureStore, register_erasure_store
        from kontor.warehouse.tasks import register_export_schedule

        register_export_schedule()
        register_erasure_store(
            ErasureStore(
                name=gettext_noop("warehouse exports"),
                erase="kontor.warehouse.erasure.erase_from_exports",
                order=97,
            )
        )
