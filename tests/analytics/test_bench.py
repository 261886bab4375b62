"""``kontor bench`` measures each dashboard's API answer."""

import pytest

from kontor.perf.generate import Scale, generate


@pytest.fixture
def generated(transactional_db):
    return generate(
        Scale(contacts=100, organizations=20, activities=600, deals=150, seed=3),
        lambda label, rows: None,
    )


def test_the_benchmark_measures_every_dashboard(generated):
    from kontor.perf.bench import run

    report = run(0.02, http=False, log=lambda message: None)

    for key in ("pipeline", "forecast", "win_rate", "leads", "activities", "payments"):
        assert report["operations"][f"dashboard_{key}"]["samples"] > 0
    assert report["rollup_rebuild_seconds"] is not None
