"""``kontor bench --sync N``: N organizations pushed as one ERP batch
(``/api/v1/sync/organizations/<source>/batch``'s service, the body through
JSON as the API reads it), then the same batch again, which must report
every record unchanged and write nothing."""

import json
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model

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


def sync_bench(count: int, *, username: str | None, log: Callable[[str], None]) -> dict:
    count = max(1, min(count, MAX_BATCH))
    users = get_user_model().objects
    actor = (
        users.get(username=username)
        if username
        else users.get_or_create(username="bench-erp", defaults={"is_superuser": True})[0]
    )
    source = f"bench{int(time.time())}"
    body = json.dumps(erp_organizations(count))
    report: dict[str, Any] = {"organizations": count, "source": source, "runs": []}
    for run in ("first", "second"):
        events_before = OutboxEvent.objects.count()
        started = time.perf_counter()
        results = sync_records(
            actor=actor, kind="organizations", source=source, records=json.loads(body)
        )
        seconds = time.perf_counter() - started
        counts = Counter(result["status"] for result in results)
        report["runs"].append(
            {
                "run": run,
                "seconds": round(seconds, 2),
                "records_per_second": round(count / seconds),
                "statuses": dict(counts),
                "events_written": OutboxEvent.objects.count() - events_before,
            }
        )
        log(f"{run} run: {seconds:.1f} s, {dict(counts)}")
    return report


def format_sync(report: dict) -> str:
    lines = [f"ERP sync of {report['organizations']} organizations in one batch:"]
    for run in report["runs"]:
        lines.append(
            f"  {run['run']:>6} run: {run['seconds']:8.2f} s  {run['records_per_second']:>7}/s  "
            f"{run['statuses']}  events written: {run['events_written']}"
        )
    return "\n".join(lines)
