"""Reading the figures of a `kontor loadtest` run from locust's CSV."""

from kontor.perf.load import _read_stats, format_report

HEADER = (
    "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
    "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,"
    "50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%"
)


def test_a_request_type_without_requests_has_no_percentiles_and_reads_as_a_dash(tmp_path):
    """Locust writes N/A for a row without requests; a short run on a busy
    machine has such rows, and the run failed reading them as numbers."""
    stats = tmp_path / "stats.csv"
    stats.write_text(
        f"{HEADER}\n"
        "GET,lookup phone,12,0,9,9.5,4,20,80,3.0,0.0,9,10,11,12,14,18,20,20,20,20,20\n"
        "GET,overview,0,0,0,0,0,0,0,0.0,0.0,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A\n"
        ",Aggregated,12,0,9,9.5,4,20,80,3.0,0.0,9,10,11,12,14,18,20,20,20,20,20\n",
        encoding="utf-8",
    )

    figures = _read_stats(stats)

    assert figures["requests"]["overview"]["p95_ms"] is None
    assert figures["requests"]["lookup phone"]["p95_ms"] == 18.0
    assert figures["total"]["requests"] == 12
    report = {
        "database": "sqlite", "users": 3, "seconds": 4, "think_seconds": [0.1, 0.3],
        "accounts": 3, "failure_details": [], **figures,
    }  # fmt: skip
    [overview] = [line for line in format_report(report).splitlines() if "overview" in line]
    assert overview.split()[-3:] == ["–", "–", "–"]
