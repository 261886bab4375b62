"""The incremental scan: contacts and organizations created, changed or
archived are compared again after the dispatcher hands their events over."""

from collections import defaultdict
from typing import Any

from kontor.dedupe.models import KINDS

EVENTS = {
    f"{kind}.{change}" for kind in KINDS for change in ("created", "updated", "archived", "deleted")
}


def rescan_changed(events: list[Any]) -> None:
    from kontor.dedupe.scan import scan_records

    changed: dict[str, list[str]] = defaultdict(list)
    for event in events:
        if event.name in EVENTS:
            changed[event.name.split(".")[0]].append(event.record_id)
    for kind, ids in changed.items():
        scan_records(kind, ids)
