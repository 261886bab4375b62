"""``kontor warehouse export`` and ``query`` from the command line, and the
nightly export on the worker."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from kontor.tasks import schedules
from kontor.tasks.models import Schedule
from kontor.tasks.worker import run_until_empty
from kontor.warehouse.tasks import register_export_schedule


def kontor(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_the_commands_export_and_print_a_table_or_csv(world, tmp_path):
    assert "rows in 16 tables" in kontor("warehouse", "export", str(tmp_path))
    sql = "SELECT name, domain FROM dim_organization"
    assert kontor("warehouse", "query", str(tmp_path), sql).splitlines() == [
        "name              | domain",
        "------------------+-------",
        "Müller & Söhne KG |",
        "(1 row)",
    ]
    sql = "SELECT kind, count(*) AS n FROM fact_activity GROUP BY kind ORDER BY kind"
    assert kontor("warehouse", "query", str(tmp_path), sql, "--csv") == "kind,n\ncall,1\nnote,1\n"


def test_a_full_export_from_the_command_line(world, tmp_path):
    kontor("warehouse", "export", str(tmp_path))
    kontor("warehouse", "export", str(tmp_path), "--full")
    assert len(list((tmp_path / "fact_activity").glob("part-*.parquet"))) == 1


def test_a_query_error_is_a_clear_message(world, tmp_path):
    kontor("warehouse", "export", str(tmp_path))
    with pytest.raises(CommandError, match="no_such_table"):
        kontor("warehouse", "query", str(tmp_path), "SELECT * FROM no_such_table")
    with pytest.raises(CommandError, match="is no folder"):
        kontor("warehouse", "query", str(tmp_path / "missing"), "SELECT 1")


def test_there_is_no_nightly_export_without_a_folder(settings, monkeypatch):
    monkeypatch.setattr(schedules, "_SPECS", dict(schedules._SPECS))
    settings.KONTOR_WAREHOUSE_DIR = ""
    schedules._SPECS.pop("warehouse.export", None)
    register_export_schedule()
    assert "warehouse.export" not in schedules._SPECS


def test_the_worker_exports_on_the_nightly_schedule(settings, monkeypatch, world, tmp_path):
    monkeypatch.setattr(schedules, "_SPECS", dict(schedules._SPECS))
    settings.KONTOR_WAREHOUSE_DIR = str(tmp_path / "nightly")
    register_export_schedule()
    schedules.sync_schedules()
    Schedule.objects.update(next_run_at=timezone.now() + datetime.timedelta(days=1))
    Schedule.objects.filter(name="warehouse.export").update(next_run_at=timezone.now())

    assert schedules.fire_due_schedules() == 1
    run_until_empty()

    parts = list((tmp_path / "nightly" / "fact_activity").glob("part-*.parquet"))
    assert len(parts) == 1
    schedule = Schedule.objects.get(name="warehouse.export")
    assert schedule.cron == "30 2 * * *" and schedule.next_run_at > timezone.now()
