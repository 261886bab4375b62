"""The worker's jobs that keep the dashboards' rollups up to date."""

from django_tasks import task


@task()
def refresh_activity_rollup() -> int:
    from kontor.analytics.rollup import refresh

    return refresh()


@task()
def rebuild_activity_rollup() -> int:
    from kontor.analytics.rollup import rebuild

    return rebuild()
