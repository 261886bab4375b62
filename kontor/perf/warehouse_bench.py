"""``kontor bench --warehouse N``: N generated activities (with contacts
and organizations for them) added to the database, then fact_activity
exported whole a few times; the median time, rows per second and the
process's peak memory."""

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.utils import timezone

from kontor.activities.models import Activity
from kontor.core.processes import peak_rss_mb
from kontor.perf.generate import Scale, generate
from kontor.warehouse.export import export_table, new_run_id
from kontor.warehouse.models import Watermark
from kontor.warehouse.schema import tables

TABLE = "fact_activity"


def warehouse_bench(count: int, *, runs: int = 3, log: Callable[[str], None]) -> dict[str, Any]:
    count = max(1, count)
    log(f"generating {count} activities …")
    generate(
        Scale(contacts=max(10, count // 20), organizations=max(2, count // 200), activities=count),
        lambda label, rows: None,
    )
    kind, spec = next((k, s) for k, s in tables() if s.table == TABLE)
    rows_in_table = Activity.objects.count()
    peak_before = peak_rss_mb()
    seconds = []
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder).resolve()
        try:
            for run in range(runs):
                now = timezone.now()
                started = time.perf_counter()
                written = export_table(
                    directory, kind, spec, run_id=new_run_id(now), started=now, full=True
                )
                seconds.append(time.perf_counter() - started)
                log(f"run {run + 1}: {written} rows in {seconds[-1]:.2f} s")
        finally:
            Watermark.objects.filter(directory=str(directory)).delete()
    median = statistics.median(seconds)
    return {
        "table": TABLE,
        "rows": rows_in_table,
        "runs": [round(s, 3) for s in seconds],
        "median_seconds": round(median, 3),
        "rows_per_second": round(rows_in_table / median) if median else 0,
        "peak_rss_mb_before": peak_before,
        "peak_rss_mb_after": peak_rss_mb(),
    }


def format_warehouse(report: dict[str, Any]) -> str:
    return (
        f"{report['table']}: {report['rows']} rows, median {report['median_seconds']} s "
        f"({report['rows_per_second']} rows/s) over {len(report['runs'])} full exports; "
        f"peak memory {report['peak_rss_mb_before']} MB before, "
        f"{report['peak_rss_mb_after']} MB after\n"
    )
