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


@task()
def train_lead_scoring() -> dict:
    """Trains the lead scoring model on the won and lost deals and scores
    the open ones; does nothing while KONTOR_LEAD_SCORING is off."""
    from kontor.analytics.scoring import train_and_score

    return train_and_score()
