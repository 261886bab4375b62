"""The nightly warehouse export on the worker, when KONTOR_WAREHOUSE_DIR
names a folder (no schedule otherwise)."""

from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from kontor.tasks.schedules import register_schedule


@task()
def export_warehouse() -> dict[str, int]:
    from kontor.warehouse.export import export

    if not settings.KONTOR_WAREHOUSE_DIR:
        return {}
    return export(Path(settings.KONTOR_WAREHOUSE_DIR)).rows


def register_export_schedule() -> None:
    if settings.KONTOR_WAREHOUSE_DIR:
        register_schedule(
            "warehouse.export",
            "kontor.warehouse.tasks.export_warehouse",
            cron="30 2 * * *",
            description=_("Export the star schema (Parquet) into the warehouse folder."),
        )
