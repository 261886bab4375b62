import pytest

from kontor.perf.duplicates_bench import duplicates_bench, format_duplicates


@pytest.mark.django_db
def test_the_duplicates_benchmark_finds_the_planted_pairs():
    report = duplicates_bench(300, log=lambda message: None)

    assert report["contacts"] == 300
    assert report["planted_pairs"] > 10
    assert report["recall"] >= 0.8
    assert report["precision"] >= 0.8
    assert report["scan_seconds"] >= 0
    assert "Recall" in format_duplicates(report)
