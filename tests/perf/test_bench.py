import json
import subprocess

import pytest
from django.db import connection

from kontor.contacts import checks
from kontor.perf.bench import database_warnings, format_table, measure_side_by_side, run
from kontor.perf.generate import Scale, generate
from tests.core.scratch import engine, scratch_database
from tests.core.scratch import kontor as run_kontor

OPERATIONS = {
    "phone_lookup", "email_lookup", "search_name", "search_email", "search_phone",
    "search_organization", "search_ordered", "overview", "list_page", "timeline_page",
    "create_contact",
    "dashboard_pipeline", "dashboard_forecast", "dashboard_win_rate", "dashboard_leads",
    "dashboard_activities", "dashboard_service", "dashboard_payments",
}  # fmt: skip


def test_an_operation_is_measured_at_least_once_however_short_the_time():
    """With a few milliseconds per operation on a busy machine the time could
    run out before the first sample, and the report failed on no samples."""
    calls = []

    [timing] = measure_side_by_side({"operation": calls.append}, 0.0).values()

    assert len(timing.samples) == 1 and len(calls) == 21  # 20 to warm up
    assert timing.summary()["samples"] == 1


def test_compared_operations_take_turns_sample_by_sample():
    """A lookup and its baseline (or its twin over HTTP) alternate, so that
    a machine slowing down meanwhile slows both: their ratio holds."""
    calls = []

    timings = measure_side_by_side(
        {
            "kontor": lambda i: calls.append(("kontor", i)),
            "bare": lambda i: calls.append(("bare", i)),
        },
        10.0,
        max_runs=3,
    )

    assert calls[6:] == [
        ("kontor", 0),
        ("bare", 0),
        ("kontor", 1),
        ("bare", 1),
        ("kontor", 2),
        ("bare", 2),
    ]
    assert [len(timing.samples) for timing in timings.values()] == [3, 3]


@pytest.mark.django_db(transaction=True)
def test_the_benchmark_measures_every_operation_in_process():
    generate(Scale(contacts=200, organizations=20, activities=1_000), lambda *a: None)

    report = run(0.02, http=False, log=lambda message: None)

    assert set(report["operations"]) == OPERATIONS
    for figures in report["operations"].values():
        assert figures["samples"] > 0
        assert figures["p50_ms"] <= figures["p95_ms"] <= figures["p99_ms"]
    assert set(report["ratios"]) == {"phone_lookup", "email_lookup"}
    assert report["scale"]["contacts"] >= 200
    assert report["database_warnings"] == []
    assert "phone_lookup" in format_table(report)
    assert "warning" not in format_table(report)


@pytest.mark.django_db
def test_the_benchmark_names_what_slows_the_database(monkeypatch):
    too_small = checks.buffers_warning(128 * checks.MB, 617 * checks.MB)
    monkeypatch.setattr(checks, "buffers_warning", lambda *sizes: too_small)
    expected = [f"contacts.W001: {too_small.msg}"] if connection.vendor == "postgresql" else []

    assert database_warnings() == expected
    table = format_table(
        {"database": "postgresql", "scale": {"contacts": 1}, "operations": {}, "baseline": {},
         "database_warnings": [f"contacts.W001: {too_small.msg}"]}
    )  # fmt: skip
    assert "warning contacts.W001: PostgreSQL's shared_buffers (128 MB)" in table.splitlines()[1]


@pytest.mark.django_db(transaction=True)
def test_the_benchmark_can_act_as_a_sales_rep_under_the_access_rules():
    from kontor.contacts.models import Contact

    generate(Scale(contacts=200, organizations=20, activities=500, users=9), lambda *a: None)
    rep_contacts = Contact.objects.filter(owner__username="rep-1").count()
    assert 0 < rep_contacts < 200

    report = run(0.02, http=False, username="rep-1", log=lambda message: None)

    assert report["user"] == "rep-1"
    assert set(report["operations"]) == OPERATIONS


def test_generate_bench_and_load_run_end_to_end_from_the_command_line(tmp_path):
    """The real commands, with `kontor serve` started by the benchmark for the
    HTTP figures and by the load run, against a throwaway database of the
    run's engine."""
    with scratch_database(tmp_path, "bench", migrated=True) as url:

        def kontor(*args: str) -> subprocess.CompletedProcess:
            return run_kontor(*args, url=url, var_dir=tmp_path)

        generated = kontor(
            "generate", "--contacts", "300", "--organizations", "30", "--activities", "600",
            "--users", "3", "--no-progress",
        )  # fmt: skip
        assert "rows/s" in generated.stdout
        kontor(
            "bench", "--seconds", "0.05", "--user", "rep-2", "--rate-limit",
            "--json", str(tmp_path / "bench.json"),
        )  # fmt: skip

        report = json.loads((tmp_path / "bench.json").read_text())
        assert report["database"] == engine()
        assert report["user"] == "rep-2"
        # Its server counted every request, as in production.
        assert report["rate_limit"] == "6000/60s in the database"
        assert {"phone_lookup_http", "email_lookup_http"} <= set(report["operations"])
        assert report["operations"]["phone_lookup_http"]["samples"] > 0
        # What HTTP adds per request type measured both ways.
        assert set(report["http_overhead_ms"]) >= {"phone_lookup", "email_lookup", "search_phone"}

        loaded = kontor(
            "loadtest",
            "--users",
            "3",
            "--seconds",
            "4",
            "--think",
            "0.1-0.3",
            "--json",
            str(tmp_path / "l.json"),
        )
        load = json.loads((tmp_path / "l.json").read_text())
        assert "lookup phone" in loaded.stdout
        assert load["total"]["requests"] > 0 and load["total"]["failures"] == 0
        assert load["accounts"] == 3  # the sales reps, each under the access rules
        # The server's two worker processes, their resident memory before and after.
        assert len(load["worker_rss_mb"]) == 2
        for memory in load["worker_rss_mb"].values():
            assert memory["start"] > 0 and memory["end"] > 0
        assert "resident memory at start → end" in loaded.stdout


@pytest.mark.django_db
def test_the_sync_benchmark_pushes_organizations_and_invoices_twice():
    from kontor.perf.sync_bench import format_sync, sync_bench
    from kontor.sales.models import Invoice

    report = sync_bench(6, invoices=15, repeat=2, username=None, log=lambda message: None)

    runs = {(run["run"], run["kind"]): run for run in report["runs"]}
    assert set(runs) == {(run, kind) for run in ("first", "second")
                         for kind in ("organizations", "invoices")}  # fmt: skip
    assert runs["first", "organizations"]["statuses"] == [{"created": 6}] * 2
    assert runs["first", "invoices"]["statuses"] == [{"created": 15}] * 2
    assert runs["first", "invoices"]["audit_entries_written"] == 15
    for kind in ("organizations", "invoices"):
        second = runs["second", kind]
        assert second["statuses"] == [{"unchanged": 6 if kind == "organizations" else 15}] * 2
        assert second["events_written"] == second["audit_entries_written"] == 0
    assert Invoice.objects.count() == 30
    assert "then 15 invoices (median of 2)" in format_sync(report)


@pytest.mark.django_db(transaction=True)
def test_the_export_benchmark_reads_every_contact_the_user_sees():
    from kontor.perf.export_bench import export_bench, format_export

    generate(Scale(contacts=120, organizations=10, activities=0), lambda *a: None)

    report = export_bench(runs=2, log=lambda message: None)

    assert report["rows"] == 120
    assert len(report["runs"]) == 2
    assert report["median_seconds"] > 0
    assert "120 contacts" in format_export(report)


@pytest.mark.django_db
def test_the_import_benchmark_imports_a_german_excel_csv():
    from kontor.perf.import_bench import format_import, import_bench

    report = import_bench(200, log=lambda message: None)

    assert (report["rows"], report["created"], report["rejected"]) == (200, 198, 2)
    assert "200-row German Excel CSV" in format_import(report)
