"""The full rescore, a worker task: nightly (freshness ages with the days
even when nothing changes; bounces and decisions on duplicate candidates are
counted) and on request (``kontor rescore``)."""

from django_tasks import task

from kontor.quality.compute import rescore_all
from kontor.quality.models import KINDS


@task()
def rescore_quality() -> dict[str, int]:
    return {kind: rescore_all(kind) for kind in KINDS}
