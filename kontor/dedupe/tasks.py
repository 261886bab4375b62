"""The full duplicate scan, a worker task (nightly, and on request)."""

from django_tasks import task

from kontor.dedupe.models import KINDS
from kontor.dedupe.scan import scan_all


@task()
def scan_duplicates() -> dict[str, int]:
    return {kind: scan_all(kind).pairs for kind in KINDS}
