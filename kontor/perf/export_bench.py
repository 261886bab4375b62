"""``kontor bench --export``: every contact the user may see exported as
CSV through ``GET /api/v1/contacts/export`` (in process, the response read
to its last byte), several times; the median time, rows per second, and the largest
amount of memory one run held besides (Python's allocations, measured in a
run of its own, since measuring slows it)."""

import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from django.test import Client

from kontor.perf.bench import bench_user


def _export(client: Client) -> tuple[int, int]:
    response = client.get("/api/v1/contacts/export", {"format": "csv"})
    if response.status_code != 200:
        raise RuntimeError(f"{response.status_code}: {response.content[:200]!r}")
    size = sum(len(chunk) for chunk in response.streaming_content)
    return size, int(response["X-Export-Count"])


def export_bench(
    *, runs: int = 5, username: str | None = None, log: Callable[[str], None]
) -> dict[str, Any]:
    user = bench_user(username)
    client = Client()
    client.force_login(user)
    seconds = []
    size = rows = 0
    for run in range(runs):
        started = time.perf_counter()
        size, rows = _export(client)
        seconds.append(time.perf_counter() - started)
        log(f"run {run + 1}: {rows} rows, {size / 1e6:.1f} MB in {seconds[-1]:.2f} s")
    tracemalloc.start()
    try:
        _export(client)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    median = statistics.median(seconds)
    return {
        "rows": rows,
        "megabytes": round(size / 1e6, 1),
        "runs": [round(s, 2) for s in seconds],
        "median_seconds": round(median, 2),
        "rows_per_second": round(rows / median) if median else 0,
        "peak_memory_mb": round(peak / 1e6, 1),
    }


def format_export(report: dict[str, Any]) -> str:
    return (
        f"CSV export of {report['rows']} contacts ({report['megabytes']} MB): "
        f"median {report['median_seconds']:.2f} s ({report['rows_per_second']}/s) over "
        f"{len(report['runs'])} runs; peak Python memory {report['peak_memory_mb']} MB"
    )
