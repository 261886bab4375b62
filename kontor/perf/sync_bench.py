"""``kontor bench --sync N [--sync-invoices M]``: N organizations pushed as
one ERP batch (``/api/v1/sync/organizations/<source>/batch``'s service, the
body through JSON as the API reads it), then M invoices of those
organizations in batches of at most 10 000; then all of it again, which
must report every record unchanged and write nothing. ``--repeat R`` does
this R times, each under a new source, and reports the medians."""

import json
import statistics
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model

from kontor.audit.models import AuditEntry
from kontor.events.models import OutboxEvent
from kontor.integration.sync.services import MAX_BATCH, sync_records


def erp_organizations(count: int) -> list[dict[str, Any]]:
    return [
        {
            "external_id": f"ORG-{n:06d}",
            "name": f"Kunde {n:06d} GmbH",
            "website": f"https://kunde{n}.example",
            "lifecycle_stage": "customer",
            "emails": [f"info@kunde{n}.example"],
            "phones": [f"+49 30 {1000000 + n}"],
        }
        for n in range(count)
    ]


def erp_invoices(count: int, organizations: int) -> list[dict[str, Any]]:
    """``count`` invoices, spread over the organizations; every third one paid."""
    return [
        {
            "external_id": f"RE-{n:07d}",
            "number": f"RE-{n:07d}",
            "invoice_date": f"2026-{n % 12 + 1:02d}-{n % 28 + 1:02d}",
            "currency": "EUR",
            "gross_amount": f"{100 + n % 900}.{n % 100:02d}",
            "amount_paid": f"{100 + n % 900}.{n % 100:02d}" if n % 3 == 0 else "0",
            "status": "paid" if n % 3 == 0 else "open",
            "organization_external_id": f"ORG-{n % organizations:06d}",
        }
        for n in range(count)
    ]


def _push(actor: Any, kind: str, source: str, body: str) -> tuple[float, Counter]:
    """Push ``body`` (a JSON list) in batches of at most MAX_BATCH records."""
    records = json.loads(body)
    counts: Counter = Counter()
    started = time.perf_counter()
    for start in range(0, len(records), MAX_BATCH):
        results = sync_records(
            actor=actor, kind=kind, source=source, records=records[start : start + MAX_BATCH]
        )
        counts.update(result["status"] for result in results)
    return time.perf_counter() - started, counts


def sync_bench(
    count: int,
    *,
    invoices: int = 0,
    repeat: int = 1,
    username: str | None,
    log: Callable[[str], None],
) -> dict:
    count = max(1, min(count, MAX_BATCH))
    invoices = max(0, invoices)
    users = get_user_model().objects
    actor = (
        users.get(username=username)
        if username
        else users.get_or_create(username="bench-erp", defaults={"is_superuser": True})[0]
    )
    bodies = {"organizations": json.dumps(erp_organizations(count))}
    if invoices:
        bodies["invoices"] = json.dumps(erp_invoices(invoices, count))
    sizes = {"organizations": count, "invoices": invoices}
    measured: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for round_ in range(max(1, repeat)):
        source = f"bench{int(time.time())}r{round_}"
        for run in ("first", "second"):
            for kind, body in bodies.items():
                written_before = (OutboxEvent.objects.count(), AuditEntry.objects.count())
                seconds, counts = _push(actor, kind, source, body)
                written_after = (OutboxEvent.objects.count(), AuditEntry.objects.count())
                measured.setdefault((run, kind), []).append(
                    {
                        "seconds": seconds,
                        "statuses": dict(counts),
                        "events_written": written_after[0] - written_before[0],
                        "audit_entries_written": written_after[1] - written_before[1],
                    }
                )
                log(f"{source} {run} run, {kind}: {seconds:.1f} s, {dict(counts)}")
    report: dict[str, Any] = {**sizes, "repeat": max(1, repeat), "runs": []}
    for (run, kind), rounds in measured.items():
        seconds = statistics.median(r["seconds"] for r in rounds)
        report["runs"].append(
            {
                "run": run,
                "kind": kind,
                "seconds": round(seconds, 2),
                "records_per_second": round(sizes[kind] / seconds),
                "seconds_each": [round(r["seconds"], 2) for r in rounds],
                "statuses": [r["statuses"] for r in rounds],
                "events_written": max(r["events_written"] for r in rounds),
                "audit_entries_written": max(r["audit_entries_written"] for r in rounds),
            }
        )
    return report


def format_sync(report: dict) -> str:
    what = f"{report['organizations']} organizations in one batch"
    if report["invoices"]:
        what += f", then {report['invoices']} invoices"
    lines = [f"ERP sync of {what} (median of {report['repeat']}):"]
    for run in report["runs"]:
        lines.append(
            f"  {run['run']:>6} run, {run['kind']:>13}: {run['seconds']:8.2f} s  "
            f"{run['records_per_second']:>7}/s  {run['statuses'][0]}  "
            f"events written: {run['events_written']}  "
            f"audit entries written: {run['audit_entries_written']}"
        )
    return "\n".join(lines)
