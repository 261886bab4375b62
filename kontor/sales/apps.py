from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "kontor.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from kontor.core.encryption import register_encrypted_column
        from kontor.core.records import register_record_type, register_warehouse_table
        from kontor.sales.overview import register_overview_sections
        from kontor.sales.records import SALES_TYPES
        from kontor.sales.warehouse import STAGE
        from kontor.tasks.schedules import register_schedule

        for kind in SALES_TYPES:
            register_record_type(kind)
        register_warehouse_table(STAGE)
        register_schedule(
            "sales.expire_quotes",
            "kontor.sales.tasks.expire_quotes",
            cron="5 0 * * *",
            description=_("Mark sent quotes whose validity ended as expired."),
        )
        register_encrypted_column("sales.Deal", "custom_sensitive")
        register_overview_sections()
        from kontor.sales.defaults import restore_default_pipeline

        post_migrate.connect(
            restore_default_pipeline, sender=self, dispatch_uid="kontor-sales-default-pipeline"
        )
