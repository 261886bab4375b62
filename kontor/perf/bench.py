"""The benchmark behind ``kontor bench``: latency percentiles of Kontor's hot
paths against the configured database, next to a baseline of the same lookups
done as one indexed SELECT through the bare database driver.

What is compared is measured side by side: a lookup takes turns sample by
sample with its baseline and with its twin over HTTP, so that their ratio
and the HTTP overhead hold on a machine whose speed changes while the
benchmark runs (on a shared host the bare driver's lookup took 0.19 ms and,
five minutes later, 0.29; docs/performance.md)."""

import gc
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import checks
from django.db import connection
from django.db.models import Count, Max, Min
from django.test import Client

from kontor.accounts.services import api_token_create
from kontor.contacts import selectors, services
from kontor.contacts.models import Contact, EmailAddress, Organization, PhoneNumber
from kontor.core.cache import is_database_cache
from kontor.core.processes import freeze_boot_objects
from kontor.perf.search_rank import search_ranks

BENCH_USERNAME = "kontor-bench"
BENCH_TAG = "kontor-bench"


@dataclass
class Timing:
    samples: list[float] = field(default_factory=list)  # seconds
    wall: float = 0.0

    def summary(self) -> dict[str, float]:
        ordered = sorted(self.samples)
        cuts = statistics.quantiles(ordered, n=100, method="inclusive") if len(ordered) > 1 else []

        def pct(p: int) -> float:
            return (cuts[p - 1] if cuts else ordered[0]) * 1000

        return {
            "p50_ms": round(pct(50), 3),
            "p95_ms": round(pct(95), 3),
            "p99_ms": round(pct(99), 3),
            "ops_per_s": round(len(ordered) / self.wall, 1) if self.wall else 0.0,
            "samples": len(ordered),
        }


def measure_side_by_side(
    operations: dict[str, Callable[[int], Any]], seconds: float, max_runs: int = 100_000
) -> dict[str, Timing]:
    """Run each ``operation(i)`` for about ``seconds`` (after a short
    warm-up), at least once however busy the machine. Operations measured
    together are compared with each other (a lookup and its baseline): they
    take turns, one sample each per round, so a machine that slows down or
    speeds up meanwhile changes all of them alike. Each one's rate is of the
    time spent in it."""
    for operation in operations.values():
        for i in range(min(20, max_runs)):
            operation(i)
    timings = {name: Timing() for name in operations}
    started = time.perf_counter()
    budget = seconds * len(operations)
    i = 0
    while i < max_runs and (i == 0 or time.perf_counter() - started < budget):
        for name, operation in operations.items():
            t0 = time.perf_counter()
            operation(i)
            timings[name].samples.append(time.perf_counter() - t0)
        i += 1
    for timing in timings.values():
        timing.wall = sum(timing.samples)
    return timings


@dataclass
class Samples:
    """Inputs drawn from the data, in the formats real callers use."""

    phones: list[str]
    emails: list[str]
    names: list[str]
    email_fragments: list[str]
    phone_fragments: list[str]
    organization_words: list[str]
    heavy_contact_id: Any


def _national(e164: str) -> str:
    return "0" + e164[3:] if e164.startswith("+49") else e164


def _random_rows(queryset, field: str, rng: random.Random, count: int) -> list:
    """``field`` of ``count`` random rows of ``queryset``, each found by a
    seek on its integer primary key (an ``OFFSET`` would scan)."""
    bounds = queryset.aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is None:
        return []
    values = []
    for _ in range(count):
        start = rng.randint(bounds["low"], bounds["high"])
        value = queryset.filter(pk__gte=start).order_by("pk").values_list(field, flat=True)[:1]
        values.extend(value)
    return values


def draw_samples(rng: random.Random, user, count: int = 200) -> Samples:
    phones = _random_rows(PhoneNumber.objects.all(), "e164", rng, count)
    # Phone systems send numbers in every format; rotate through them.
    formats = [lambda n: n, lambda n: n[1:], lambda n: "00" + n[1:], _national]
    phones = [formats[i % len(formats)](p) for i, p in enumerate(phones)] or ["+49301234567"]
    emails = _random_rows(
        EmailAddress.objects.filter(contact__isnull=False), "address", rng, count
    ) or ["nobody@example.com"]
    names = [
        n[: max(3, len(n) - 2)]
        for n in Contact.objects.exclude(last_name="").values_list("last_name", flat=True)[:count]
    ] or ["Mül"]
    email_fragments = [e.split("@")[0][:8] for e in emails]
    phone_fragments = [p.lstrip("+0")[-7:] for p in phones]
    organization_words = [
        n.split()[0] for n in Organization.objects.values_list("name", flat=True)[:count]
    ] or ["Nordlicht"]
    heavy = _heavy_contact_id(user)
    return Samples(
        phones, emails, names, email_fragments, phone_fragments, organization_words, heavy
    )


def _heavy_contact_id(user) -> Any:
    """The contact with the longest history among the hundred longest that
    ``user`` may see (else any contact they may see)."""
    from kontor.activities.models import Activity

    top = list(
        Activity.objects.filter(contact__isnull=False)
        .values_list("contact_id", flat=True)
        .annotate(n=Count("*"))
        .order_by("-n")[:100]
    )
    visible = selectors.visible_contacts(user)
    seen = set(visible.filter(pk__in=top).values_list("pk", flat=True))
    return (
        next((pk for pk in top if pk in seen), None) or visible.values_list("pk", flat=True).first()
    )


def bench_user(username: str | None = None):
    """The user the benchmark acts as: ``username``, else a superuser of its own."""
    users = get_user_model().objects
    if username:
        return users.get(username=username)
    user = users.filter(username=BENCH_USERNAME).first()
    if user is None:
        user = users.create_superuser(BENCH_USERNAME, "bench@kontor.localhost", None)
    return user


# Baseline: the bare driver -----------------------------------------------------


@contextmanager
def raw_connection():
    db = settings.DATABASES["default"]
    if connection.vendor == "postgresql":
        import psycopg

        conn = psycopg.connect(
            host=db["HOST"] or None,
            port=db["PORT"] or None,
            user=db["USER"] or None,
            password=db["PASSWORD"] or None,
            dbname=db["NAME"],
            autocommit=True,
        )
    else:
        import sqlite3

        conn = sqlite3.connect(db["NAME"])
    try:
        yield conn
    finally:
        conn.close()


def baseline_operations(conn, samples: Samples) -> dict[str, Callable[[int], Any]]:
    mark = "%s" if connection.vendor == "postgresql" else "?"
    phone_sql = f"SELECT contact_id, organization_id FROM contacts_phonenumber WHERE e164 = {mark}"
    email_sql = (
        f"SELECT contact_id, organization_id FROM contacts_emailaddress WHERE normalized = {mark}"
    )
    e164s = [p if p.startswith("+") else None for p in samples.phones]
    e164s = [e for e in e164s if e] or ["+49301234567"]
    emails = [e.lower() for e in samples.emails]

    def phone(i: int):
        cur = conn.cursor()
        cur.execute(phone_sql, (e164s[i % len(e164s)],))
        return cur.fetchall()

    def email(i: int):
        cur = conn.cursor()
        cur.execute(email_sql, (emails[i % len(emails)],))
        return cur.fetchall()

    return {"phone_lookup": phone, "email_lookup": email}


# Kontor in-process ------------------------------------------------------------


def kontor_operations(user, samples: Samples) -> dict[str, Callable[[int], Any]]:
    client = Client()
    client.force_login(user)
    created: list[Any] = []

    def search(terms: list[str]) -> Callable[[int], Any]:
        return lambda i: _ok(
            client.get("/api/v1/contacts", {"q": terms[i % len(terms)], "limit": 50})
        )

    def create_contact(i: int):
        contact = services.contact_create(
            actor=user,
            data={"emails": [{"address": f"bench-{time.time_ns()}-{i}@kontor-bench.example"}],
                  "tags": [BENCH_TAG]},
        )  # fmt: skip
        created.append(contact.pk)

    operations: dict[str, Callable[[int], Any]] = {
        "phone_lookup": lambda i: selectors.lookup_phone(
            user=user, number=samples.phones[i % len(samples.phones)]
        ),
        "email_lookup": lambda i: selectors.lookup_email(
            user=user, address=samples.emails[i % len(samples.emails)]
        ),
        "search_name": search(samples.names),
        "search_email": search(samples.email_fragments),
        "search_phone": search(samples.phone_fragments),
        "search_organization": search(samples.organization_words),
        "search_ordered": lambda i: _ok(
            client.get(
                "/api/v1/contacts",
                {"q": samples.names[i % len(samples.names)], "order": "name", "limit": 50},
            )
        ),
        "list_page": lambda i: _ok(
            client.get("/api/v1/contacts", {"lifecycle_stage": "customer", "limit": 50})
        ),
        "create_contact": create_contact,
    }
    heavy = samples.heavy_contact_id
    if heavy is not None and _has_route(f"/api/v1/contacts/{heavy}/overview"):
        operations["overview"] = lambda i: _ok(client.get(f"/api/v1/contacts/{heavy}/overview"))
        operations["timeline_page"] = lambda i: _ok(
            client.get("/api/v1/activities", {"contact_id": str(heavy), "limit": 50})
        )
    operations.update(_sales_operations(client))
    operations.update(_dashboard_operations(client))
    operations.update(_quality_operations(client))
    operations["_cleanup"] = lambda i: Contact.objects.filter(pk__in=created).delete()
    return operations


def _sales_operations(client: Client) -> dict[str, Callable[[int], Any]]:
    """The kanban board of the first pipeline (every column's sums and first
    cards) and a page of the open deals, when there are deals."""
    from kontor.sales.models import Deal, Pipeline

    pipeline = Pipeline.objects.order_by("position", "name").first()
    if pipeline is None or not Deal.objects.exists():
        return {}
    return {
        "board": lambda i: _ok(client.get(f"/sales/board/{pipeline.pk}/")),
        "deal_list": lambda i: _ok(client.get("/api/v1/deals", {"status": "open", "limit": 50})),
    }


def _quality_operations(client: Client) -> dict[str, Callable[[int], Any]]:
    """The clean-up queue's first page (worst first) and a page of the
    contact list filtered by quality, when scores were computed (``kontor
    rescore``)."""
    from kontor.quality.models import QualityScore

    if not QualityScore.objects.filter(kind="contact").exists():
        return {}
    return {
        "quality_queue": lambda i: _ok(
            client.get("/api/v1/quality", {"type": "contacts", "limit": 50})
        ),
        "quality_filter": lambda i: _ok(
            client.get("/api/v1/contacts", {"quality_below": 60, "limit": 50})
        ),
    }


def _dashboard_operations(client: Client) -> dict[str, Callable[[int], Any]]:
    """Each dashboard's API answer with its default filters (the activities
    of the last twelve weeks per team, from the rollup)."""
    from kontor.analytics.dashboards import DASHBOARDS

    return {
        f"dashboard_{key.replace('-', '_')}": (
            lambda i, key=key: _ok(client.get(f"/api/v1/analytics/{key}"))
        )
        for key in DASHBOARDS
    }


def _prepare_rollups(log) -> float | None:
    """Count the activity rollup whole when it never was (the worker does so
    every night); returns the seconds it took."""
    from kontor.analytics.models import RollupState
    from kontor.analytics.rollup import ROLLUP, rebuild

    if RollupState.objects.filter(name=ROLLUP, rebuilt_at__isnull=False).exists():
        return None
    started = time.perf_counter()
    rebuild()
    seconds = round(time.perf_counter() - started, 2)
    log(f"  counted the activity rollup whole in {seconds} s")
    return seconds


def _has_route(path: str) -> bool:
    from django.urls import Resolver404, resolve

    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def _ok(response):
    if response.status_code != 200:
        raise RuntimeError(f"{response.status_code}: {response.content[:200]!r}")
    return response


# Kontor over HTTP -------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_server(workers: int = 2, *, rate_limit: bool = False):
    """``kontor serve`` on a free port; without the API rate limit unless
    asked for (the benchmark measures latency, not the limit it would hit)."""
    with running_server_process(workers, rate_limit=rate_limit) as (port, _process):
        yield port


@contextmanager
def running_server_process(workers: int = 2, *, rate_limit: bool = False):
    """``running_server``, yielding the port and the server's main process."""
    port = free_port()
    env = {**os.environ} if rate_limit else {**os.environ, "KONTOR_API_RATE_LIMIT": "off"}
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "kontor", "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # Generous: on a busy machine start-up (collectstatic, Django's
        # imports in each worker) has taken over a minute.
        deadline = time.monotonic() + 300
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if process.poll() is not None:
                    raise RuntimeError("kontor serve exited during start-up") from None
                if time.monotonic() > deadline:
                    raise RuntimeError("kontor serve did not answer within 300 s") from None
                time.sleep(0.2)
        yield port, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def http_operations(port: int, token: str, samples: Samples) -> dict[str, Callable[[int], Any]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}", "Connection": "keep-alive"}

    def get(path: str, params: dict) -> Any:
        conn.request("GET", f"{path}?{urllib.parse.urlencode(params)}", headers=headers)
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}: {body[:200]!r}")
        return json.loads(body)

    def search(terms: list[str]) -> Callable[[int], Any]:
        return lambda i: get("/api/v1/contacts", {"q": terms[i % len(terms)], "limit": 50})

    operations = {
        "phone_lookup_http": lambda i: get(
            "/api/v1/lookup", {"phone": samples.phones[i % len(samples.phones)]}
        ),
        "email_lookup_http": lambda i: get(
            "/api/v1/lookup", {"email": samples.emails[i % len(samples.emails)]}
        ),
        "search_phone_http": search(samples.phone_fragments),
        "list_page_http": lambda i: get(
            "/api/v1/contacts", {"lifecycle_stage": "customer", "limit": 50}
        ),
    }
    heavy = samples.heavy_contact_id
    if heavy is not None and _has_route(f"/api/v1/contacts/{heavy}/overview"):
        operations["overview_http"] = lambda i: get(f"/api/v1/contacts/{heavy}/overview", {})
    return operations


def http_queries(key: str, samples: Samples) -> dict[str, int]:
    """The SQL queries of one request of each HTTP request type with the
    Bearer token ``key``, after one request of it (which leaves the token's
    copy in the shared cache): Django's test client in this process, the
    same stack but for the server. Counted with the shared cache's own
    queries (the database cache) and without the rate limit."""
    from django.db import connection as default_connection
    from django.test.utils import CaptureQueriesContext, override_settings

    client = Client(headers={"Authorization": f"Bearer {key}"})
    requests = {
        "phone_lookup": ("/api/v1/lookup", {"phone": samples.phones[0]}),
        "email_lookup": ("/api/v1/lookup", {"email": samples.emails[0]}),
        "search_phone": ("/api/v1/contacts", {"q": samples.phone_fragments[0], "limit": 50}),
        "list_page": ("/api/v1/contacts", {"lifecycle_stage": "customer", "limit": 50}),
    }
    heavy = samples.heavy_contact_id
    if heavy is not None and _has_route(f"/api/v1/contacts/{heavy}/overview"):
        requests["overview"] = (f"/api/v1/contacts/{heavy}/overview", {})
    counts = {}
    with override_settings(KONTOR_API_RATE_LIMIT=None):
        for name, (path, params) in requests.items():
            _ok(client.get(path, params))
            with CaptureQueriesContext(default_connection) as queries:
                _ok(client.get(path, params))
            counts[name] = len(queries)
    return counts


def http_overhead(operations: dict[str, dict[str, float]]) -> dict[str, float]:
    """Per request type measured both ways (side by side), what the HTTP
    stack (server, routing, token authentication, middleware, serialization)
    adds to the median: HTTP p50 minus in-process p50."""
    return {
        name.removesuffix("_http"): round(
            figures["p50_ms"] - operations[name.removesuffix("_http")]["p50_ms"], 3
        )
        for name, figures in operations.items()
        if name.endswith("_http") and name.removesuffix("_http") in operations
    }


# The whole run ----------------------------------------------------------------

BASELINE = "baseline "

ORDER = [
    "phone_lookup", "phone_lookup_http", "email_lookup", "email_lookup_http", "search_name",
    "search_email", "search_phone", "search_phone_http", "search_organization", "search_ordered",
    "overview",
    "overview_http", "list_page", "list_page_http", "timeline_page", "board", "deal_list",
    "dashboard_pipeline", "dashboard_forecast", "dashboard_win_rate", "dashboard_leads",
    "dashboard_activities", "dashboard_service", "dashboard_payments", "quality_queue",
    "quality_filter", "create_contact",
]  # fmt: skip


def run(
    seconds: float,
    *,
    http: bool = True,
    rate_limit: bool = False,
    seed: int = 7,
    username: str | None = None,
    log=print,
) -> dict[str, Any]:
    """The latency report; ``rate_limit``: the HTTP server counts each
    request against the token's rate limit in the shared cache, as in
    production (otherwise it runs without the limit)."""
    rng = random.Random(seed)
    user = bench_user(username)
    samples = draw_samples(rng, user)
    report: dict[str, Any] = {
        "database": connection.vendor,
        "user": user.get_username(),
        "scale": {
            "contacts": Contact.objects.count(),
            "organizations": Organization.objects.count(),
            "activities": _activity_count(),
            "phone_numbers": PhoneNumber.objects.count(),
            "email_addresses": EmailAddress.objects.count(),
            "deals": _deal_count(),
        },
        "seconds_per_operation": seconds,
        "database_warnings": database_warnings(),
        "rate_limit": _rate_limit_setting() if http and rate_limit else None,
        "operations": {},
        "baseline": {},
        "ratios": {},
    }
    log(f"Benchmarking on {connection.vendor}: {report['scale']}")
    for warning in report["database_warnings"]:
        log(f"  {warning}")
    report["rollup_rebuild_seconds"] = _prepare_rollups(log)
    operations = kontor_operations(user, samples)
    cleanup = operations.pop("_cleanup")
    key = None
    if http:
        _token, key = api_token_create(actor=user, user=user, name="kontor bench")
        report["http_queries"] = http_queries(key, samples)
        log(f"  queries per HTTP request: {report['http_queries']}")
    server = running_server(rate_limit=rate_limit) if http else nullcontext()
    with raw_connection() as conn, server as port:
        baseline = baseline_operations(conn, samples)
        over_http = http_operations(port, key, samples) if port else {}
        freeze_boot_objects(worker=None)  # as a server's worker does once it has loaded Kontor
        try:
            for name, operation in operations.items():
                # An operation with its baseline and its twin over HTTP, if any.
                twins = {name: operation}
                if name in baseline:
                    twins[BASELINE + name] = baseline[name]
                if f"{name}_http" in over_http:
                    twins[f"{name}_http"] = over_http[f"{name}_http"]
                for twin, timing in measure_side_by_side(twins, seconds).items():
                    figures = timing.summary()
                    if twin.startswith(BASELINE):
                        report["baseline"][name] = figures
                    else:
                        report["operations"][twin] = figures
                    log(f"  {twin}: {figures}")
        finally:
            gc.unfreeze()
            cleanup(0)
    report["search_ranks"] = search_ranks(user, rng, log=log)
    for name in report["baseline"]:
        base = report["baseline"][name]["p50_ms"]
        report["ratios"][name] = round(report["operations"][name]["p50_ms"] / base, 2)
    report["http_overhead_ms"] = http_overhead(report["operations"])
    report["operations"] = {k: report["operations"][k] for k in ORDER if k in report["operations"]}
    return report


def database_warnings() -> list[str]:
    """What the system checks of the database find that slows it (for
    instance PostgreSQL's buffers too small for the search table,
    kontor.contacts.checks): figures taken so are read with that in mind."""
    found = checks.run_checks(tags=[checks.Tags.database], databases=[connection.alias])
    return [
        f"{message.id}: {message.msg}"
        for message in found
        if message.is_serious(checks.WARNING) and not message.is_silenced()
    ]


def _rate_limit_setting() -> str:
    """The limit the server counts against and where it counts: the database
    (kontor.core.counters) or the cache (its backend's name)."""
    rate = settings.KONTOR_API_RATE_LIMIT
    limit = f"{rate.requests}/{rate.seconds}s" if rate else "off"
    cache = settings.CACHES["default"]
    where = "the database" if is_database_cache(cache) else cache["BACKEND"].rsplit(".", 1)[-1]
    return f"{limit} in {where}"


def _deal_count() -> int:
    from kontor.sales.models import Deal

    return Deal.objects.count()


def _activity_count() -> int:
    try:
        from kontor.activities.models import Activity
    except ImportError:
        return 0
    return Activity.objects.count()


def format_table(report: dict[str, Any]) -> str:
    lines = [
        f"Kontor benchmark — {report['database']}, "
        + ", ".join(f"{k} {v:,}" for k, v in report["scale"].items()),
        *(f"warning {warning}" for warning in report.get("database_warnings", [])),
        "",
        f"{'operation':<22}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'ops/s':>10}{'runs':>8}",
    ]
    for name, row in report["operations"].items():
        lines.append(
            f"{name:<22}{row['p50_ms']:>10.2f}{row['p95_ms']:>10.2f}{row['p99_ms']:>10.2f}"
            f"{row['ops_per_s']:>10.0f}{row['samples']:>8}"
        )
    lines.append("")
    for name, row in report["baseline"].items():
        lines.append(
            f"baseline {name:<13}{row['p50_ms']:>10.3f}{row['p95_ms']:>10.3f}{row['p99_ms']:>10.3f}"
            f"{row['ops_per_s']:>10.0f}   Kontor/baseline p50 = {report['ratios'][name]}x"
        )
    if report.get("http_overhead_ms"):
        lines.append("")
        limit = report.get("rate_limit") or "off"
        lines.append(f"HTTP overhead (HTTP p50 - in-process p50; rate limit {limit}):")
        queries = report.get("http_queries", {})
        for name, overhead in report["http_overhead_ms"].items():
            counted = f"{queries[name]:>6} queries" if name in queries else ""
            lines.append(f"  {name:<20}{overhead:>10.2f} ms{counted}")
    return "\n".join(lines)
