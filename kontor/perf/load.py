"""``kontor loadtest``: many colleagues at once against ``kontor serve``.

Locust (headless, in its own process) plays ``users`` colleagues for
``seconds`` with the mixed traffic of ``locustfile.py``: lookups, searches,
lists, contact pages, histories and a few writes, each colleague with the
API token of a real user and so under that user's access rules."""

import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection

from kontor.accounts.models import ApiToken
from kontor.accounts.services import api_token_create
from kontor.activities.models import Activity
from kontor.contacts.models import Contact
from kontor.contacts.selectors import visible_contacts
from kontor.perf.bench import bench_user, draw_samples, running_server_process

LOAD_TAG = "kontor-load"
TOKEN_NAME = "kontor loadtest"  # noqa: S105 (the name of the tokens, not a secret)
ACCOUNTS = 20
CONTACTS_PER_ACCOUNT = 50


def _accounts() -> list[dict[str, Any]]:
    """API tokens of up to ``ACCOUNTS`` sales reps (or of the benchmark's
    superuser), each with contacts that user may see."""
    users = list(
        get_user_model().objects.filter(username__startswith="rep-", is_active=True)[:ACCOUNTS]
    ) or [bench_user()]
    accounts = []
    for user in users:
        contacts = [
            str(pk)
            for pk in visible_contacts(user)
            .order_by("-created_at")
            .values_list("pk", flat=True)[:CONTACTS_PER_ACCOUNT]
        ]
        if contacts:
            _token, key = api_token_create(actor=user, user=user, name=TOKEN_NAME)
            accounts.append({"user": user.get_username(), "token": key, "contacts": contacts})
    return accounts


def _milliseconds(text: str) -> float | None:
    """A percentile of locust's CSV; "N/A" in a row without requests."""
    return None if text == "N/A" else float(text)


def _read_stats(path: Path) -> dict[str, Any]:
    def figures(row: dict[str, str]) -> dict[str, Any]:
        return {
            "requests": int(row["Request Count"]),
            "failures": int(row["Failure Count"]),
            "requests_per_s": round(float(row["Requests/s"]), 1),
            "p50_ms": _milliseconds(row["50%"]),
            "p95_ms": _milliseconds(row["95%"]),
            "p99_ms": _milliseconds(row["99%"]),
        }

    with path.open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    total = next(row for row in rows if row["Name"] == "Aggregated")
    return {
        "total": figures(total),
        "requests": {row["Name"]: figures(row) for row in rows if row is not total},
    }


def run(
    users: int, seconds: int, *, think: tuple[float, float] = (0.05, 0.5), log=print
) -> dict[str, Any]:
    if Contact.objects.count() == 0:
        raise ValueError("There are no contacts: run `kontor generate` first.")
    samples = draw_samples(random.Random(11), bench_user())
    accounts = _accounts()
    with tempfile.TemporaryDirectory(prefix="kontor-load-") as directory:
        sample_file = Path(directory) / "samples.json"
        sample_file.write_text(
            json.dumps(
                {
                    "accounts": accounts,
                    "phones": samples.phones,
                    "emails": samples.emails,
                    "names": samples.names,
                    "tag": LOAD_TAG,
                }
            ),
            encoding="utf-8",
        )
        connection.close()  # the server processes open their own connections
        try:
            with running_server_process(rate_limit=True) as (port, server):
                log(f"{users} colleagues for {seconds} s against port {port} …")
                memory_at_start = _settled_worker_memory(server.pid)
                command = [
                    sys.executable, "-m", "locust",
                    "-f", str(Path(__file__).with_name("locustfile.py")),
                    "--headless", "--users", str(users), "--spawn-rate", str(max(1, users // 5)),
                    "--run-time", f"{seconds}s", "--stop-timeout", "10",
                    "--host", f"http://127.0.0.1:{port}",
                    "--csv", str(Path(directory) / "load"), "--only-summary",
                ]  # fmt: skip
                locust = subprocess.run(  # noqa: S603
                    command,
                    env={
                        **os.environ,
                        "KONTOR_LOAD_SAMPLES": str(sample_file),
                        "KONTOR_LOAD_THINK": f"{think[0]}-{think[1]}",
                    },
                    capture_output=True,
                    text=True,
                    timeout=seconds + 120,
                    check=False,
                )
                memory_at_end = worker_memory(server.pid)
            stats_file = Path(directory) / "load_stats.csv"
            if not stats_file.exists():
                raise RuntimeError(f"locust failed:\n{locust.stderr[-2000:]}")
            stats = _read_stats(stats_file)
            failures = (Path(directory) / "load_failures.csv").read_text(encoding="utf-8")
        finally:
            _clean_up()
    return {
        "database": connection.vendor,
        "users": users,
        "seconds": seconds,
        "think_seconds": list(think),
        "accounts": len(accounts),
        **stats,
        "failure_details": list(csv.DictReader(failures.splitlines())),
        "worker_rss_mb": {
            str(pid): {"start": rss, "end": memory_at_end.get(pid)}
            for pid, rss in memory_at_start.items()
        },
    }


def _settled_worker_memory(server_pid: int, workers: int = 2) -> dict[int, float]:
    """The workers' memory once they have all booted (two readings half a
    second apart agree within a megabyte), or after 30 s."""
    before: dict[int, float] = {}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = worker_memory(server_pid)
        settled = len(now) >= workers and now.keys() == before.keys()
        if settled and all(abs(now[pid] - before[pid]) <= 1 for pid in now):
            return now
        before = now
    return before


def worker_memory(server_pid: int) -> dict[int, float]:
    """Resident memory (MB) of each worker process of the server, read from
    /proc (Linux); empty where there is no /proc."""
    try:
        children = Path(f"/proc/{server_pid}/task/{server_pid}/children").read_text().split()
    except OSError:
        return {}
    memory = {}
    for pid in map(int, children):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:  # the worker ended meanwhile
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                memory[pid] = round(int(line.split()[1]) / 1024, 1)
    return memory


def _clean_up() -> None:
    Contact.objects.filter(tags__name=LOAD_TAG).delete()
    Activity.objects.filter(kind="note", subject=LOAD_TAG).delete()
    ApiToken.objects.filter(name=TOKEN_NAME).delete()


def _shown(milliseconds: float | None) -> str:
    return "–" if milliseconds is None else f"{milliseconds:.0f}"


def format_report(report: dict[str, Any]) -> str:
    lines = [
        f"Kontor load run — {report['database']}, {report['users']} colleagues for "
        f"{report['seconds']} s, {report['think_seconds'][0]}–{report['think_seconds'][1]} s "
        f"between requests ({report['accounts']} user accounts)",
        "",
        f"{'request':<16}{'count':>9}{'failures':>10}{'req/s':>9}"
        f"{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}",
    ]
    for name, figures in [*report["requests"].items(), ("total", report["total"])]:
        lines.append(
            f"{name:<16}{figures['requests']:>9}{figures['failures']:>10}"
            f"{figures['requests_per_s']:>9.1f}{_shown(figures['p50_ms']):>9}"
            f"{_shown(figures['p95_ms']):>9}{_shown(figures['p99_ms']):>9}"
        )
    if report.get("worker_rss_mb"):
        lines.append("")
        lines.append("server worker processes, resident memory at start → end:")
        for pid, rss in report["worker_rss_mb"].items():
            end = "gone" if rss["end"] is None else f"{rss['end']:.0f} MB"
            lines.append(f"  worker {pid}: {rss['start']:.0f} MB → {end}")
    for failure in report["failure_details"]:
        lines.append(f"FAILED {failure['Method']} {failure['Name']}: {failure['Error']}")
    return "\n".join(lines)
