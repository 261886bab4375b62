import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from kontor.perf.compare import compare, format_comparison
from kontor.perf.generate import Scale, generate


def _figures(p50: float, p95: float, p99: float) -> dict:
    return {"p50_ms": p50, "p95_ms": p95, "p99_ms": p99, "ops_per_s": 1.0, "samples": 10}


def _report(**operations) -> dict:
    return {
        "database": "postgresql",
        "scale": {"contacts": 1000},
        "operations": operations,
        "baseline": {"phone_lookup": _figures(0.1, 0.2, 0.3)},
    }


def test_a_comparison_marks_a_regression_only_when_median_and_p95_grew():
    old = _report(
        phone_lookup=_figures(2.0, 4.0, 5.0),
        email_lookup=_figures(2.0, 4.0, 5.0),
        search_name=_figures(40.0, 100.0, 200.0),
        overview=_figures(50.0, 60.0, 70.0),
        retired=_figures(1.0, 1.0, 1.0),
    )
    new = _report(
        phone_lookup=_figures(3.0, 6.0, 5.0),  # p50 and p95 1.5x: a regression
        email_lookup=_figures(3.0, 4.0, 50.0),  # median only, and a tail: noise
        search_name=_figures(10.0, 20.0, 30.0),
        overview=_figures(50.0, 60.0, 70.0),
        added=_figures(1.0, 1.0, 1.0),
    )

    comparison = compare(old, new, threshold=1.25)

    rows = comparison["operations"]
    assert rows["phone_lookup"]["ratios"] == {"p50_ms": 1.5, "p95_ms": 1.5, "p99_ms": 1.0}
    assert comparison["regressions"] == ["phone_lookup"]
    assert rows["email_lookup"]["verdict"] == ""
    assert rows["search_name"]["verdict"] == "faster"
    assert rows["overview"]["verdict"] == ""
    assert rows["baseline phone_lookup"]["ratios"]["p50_ms"] == 1.0
    assert rows["added"]["verdict"] == "only in the new report"
    assert rows["retired"]["verdict"] == "only in the old report"
    text = format_comparison(comparison)
    assert "1 regression(s)" in text and ": phone_lookup" in text
    assert "2.00→3.00" in text


def test_a_comparison_names_a_different_scale_or_database():
    old = _report(phone_lookup=_figures(2.0, 4.0, 5.0))
    new = {**_report(phone_lookup=_figures(2.0, 4.0, 5.0)), "database": "sqlite"}
    new["scale"] = {"contacts": 5}

    text = format_comparison(compare(old, new))

    assert "different databases (postgresql → sqlite)" in text
    assert "the scale differs" in text
    assert "0 regression(s)" in text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "Cannot read"),
        ("{not json", "is not JSON"),
        ('{"rows": 3}', "no report of kontor bench --json"),
    ],
)
def test_bench_compare_refuses_a_file_that_is_no_earlier_report(tmp_path, content, message):
    path = tmp_path / "old.json"
    if content is not None:
        path.write_text(content)

    with pytest.raises(CommandError, match=message):
        call_command("bench", compare=str(path), no_http=True)


def test_bench_compare_works_with_the_latency_benchmark_only(tmp_path):
    with pytest.raises(CommandError, match="latency benchmark"):
        call_command("bench", compare=str(tmp_path / "old.json"), export=True)


@pytest.mark.django_db(transaction=True)
def test_bench_compare_prints_each_operations_change_against_an_earlier_run(tmp_path):
    generate(Scale(contacts=100, organizations=10, activities=200), lambda *a: None)
    old = tmp_path / "old.json"
    quiet = {"stdout": StringIO(), "stderr": StringIO()}
    call_command("bench", seconds=0.02, no_http=True, json_file=str(old), **quiet)
    report = json.loads(old.read_text())
    for percentile in ("p50_ms", "p95_ms", "p99_ms"):
        # As if the phone lookup had taken a tenth of a microsecond before
        # and the email lookup ten seconds: slower and faster, however busy
        # the machine is.
        report["operations"]["phone_lookup"][percentile] = 0.0001
        report["operations"]["email_lookup"][percentile] = 10_000.0
    old.write_text(json.dumps(report))

    out = StringIO()
    call_command(
        "bench", seconds=0.02, no_http=True, compare=str(old), stdout=out, stderr=StringIO()
    )

    lines = {line.split()[0]: line for line in out.getvalue().splitlines() if line.strip()}
    assert lines["phone_lookup"].endswith("REGRESSION")
    assert lines["email_lookup"].endswith("faster")
    assert "search_name" in lines and "baseline" in lines
    assert "phone_lookup" in out.getvalue().rsplit("regression(s)", 1)[1]
