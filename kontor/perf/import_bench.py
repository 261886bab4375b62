"""``kontor bench --import N``: a German Excel CSV of N contacts
(Windows-1252, semicolons, umlauts, one organization per ten contacts,
every hundredth row with a broken email address) imported through the
import's service, as ``kontor import`` runs it (a large file's batches in
other processes, ``kontor.imports.services``); rows per second, the CPU
time Kontor's processes spent (the rest is the database and waiting for a
core on a busy machine), and the peak resident memory of this process
(the generated file included) and of the batch processes. Adds N
contacts and their organizations."""

import io
import resource
import time
from collections.abc import Callable
from typing import Any

from kontor.core.processes import peak_rss_mb
from kontor.imports import services
from kontor.imports.services import import_create, import_run
from kontor.perf.bench import bench_user

HEADER = "Vorname;Nachname;E-Mail;Telefon;Mobil;Firma;Straße;PLZ;Ort;Notiz"


def german_csv(count: int, run: str) -> bytes:
    """``count`` rows; addresses and numbers unique per ``run``."""
    lines = [HEADER]
    for n in range(count):
        email = f"jürgen.müller.{run}.{n}@example.de" if n % 100 else f"kaputt-{n}(at)example"
        lines.append(
            f"Jürgen;Müller-{n};{email};030 {2000000 + n};0171 {3000000 + n};"
            f"Bäckerei {run} {n // 10} GmbH;Hauptstraße {n % 200};{10115 + n % 800};Berlin;"
            f"Kunde seit {2000 + n % 25} – „Stammkunde“"
        )
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def import_bench(
    count: int,
    *,
    username: str | None = None,
    processes: int | None = None,
    log: Callable[[str], None],
) -> dict[str, Any]:
    user = bench_user(username)
    run = f"{time.time_ns() % 10**9:x}"
    content = german_csv(count, run)
    log(f"importing {count} rows ({len(content) / 1e6:.1f} MB)")
    started, cpu_started = time.perf_counter(), _cpu_seconds()
    data_import = import_create(
        actor=user, upload=io.BytesIO(content), filename=f"bench-{run}.csv", record_type="contacts"
    )
    services.other_processes_peak_mb = None
    data_import = import_run(data_import, processes=processes)
    seconds = time.perf_counter() - started
    cpu_seconds = _cpu_seconds() - cpu_started
    return {
        "rows": data_import.rows_done,
        "created": data_import.created,
        "rejected": data_import.rejected,
        "seconds": round(seconds, 2),
        "rows_per_second": round(data_import.rows_done / seconds) if seconds else 0,
        # This process's own CPU time (the database's not included).
        "cpu_seconds": round(cpu_seconds, 2),
        "peak_rss_mb": peak_rss_mb(),
        # The largest of the other processes that ran batches (if any did).
        "peak_rss_other_mb": services.other_processes_peak_mb,
    }


def _cpu_seconds() -> float:
    """The CPU time of this process and of the other processes it started
    that have ended (an import's batch processes end with the import)."""
    own, others = (
        resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + others.ru_utime + others.ru_stime


def format_import(report: dict[str, Any]) -> str:
    return (
        f"Import of a {report['rows']}-row German Excel CSV: {report['created']} created, "
        f"{report['rejected']} rejected in {report['seconds']:.2f} s "
        f"({report['rows_per_second']} rows/s, {report['cpu_seconds']:.2f} s of CPU in Kontor's "
        f"processes); peak process memory {report['peak_rss_mb']} MB"
        + (
            f", of the batch processes {report['peak_rss_other_mb']} MB"
            if report["peak_rss_other_mb"]
            else ""
        )
    )
