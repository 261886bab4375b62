import pytest

from kontor.perf.bench import run
from kontor.perf.generate import Scale, generate
from kontor.quality.compute import rescore_all


@pytest.mark.django_db(transaction=True)
def test_the_benchmark_measures_the_queue_and_the_filter_once_scores_exist():
    generate(Scale(contacts=200, organizations=20, activities=500), lambda *a: None)
    rescore_all("contact")
    report = run(0.02, http=False, log=lambda message: None)

    for name in ("quality_queue", "quality_filter"):
        assert report["operations"][name]["samples"] > 0
