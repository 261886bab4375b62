import json
import os
import socket
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from kontor.accounts.services import api_token_create
from tests.factories import UserFactory

# Property-based tests: enough examples to find edge cases, few enough that a
# run stays fast on a laptop. HYPOTHESIS_PROFILE=thorough for a deeper search.
hypothesis_settings.register_profile(
    "kontor", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.register_profile("thorough", max_examples=5000, deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "kontor"))

# Nothing skips silently. A test that needs a service (PostgreSQL, Redis,
# Chromium) gets it started by scripts/test.sh, or fails saying what is
# missing. The only skips allowed are these, each named by how its reason
# starts; any other skip (or xfail) fails the run.
ALLOWED_SKIP_REASONS = (
    # A test of one database's own feature, run on the other database: both
    # runs together cover it (LISTEN/NOTIFY, TRUNCATE, trigram indexes,
    # synchronous_commit, prepared statements, shared_buffers and unlogged tables on
    # PostgreSQL; FTS5 tables and WAL pragmas on SQLite;
    # races that need row locks which wait, which the in-memory SQLite test
    # database does not have).
    "PostgreSQL only:",
    "SQLite only:",
)


def _skip_reason(report: pytest.TestReport | pytest.CollectReport) -> str:
    if hasattr(report, "wasxfail"):
        return f"xfail {report.wasxfail}".strip()
    longrepr = report.longrepr
    text = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return text.removeprefix("Skipped: ")


def _fail_unless_allowed(report: pytest.TestReport | pytest.CollectReport) -> None:
    if not report.skipped:
        return
    reason = _skip_reason(report)
    if not reason.startswith(ALLOWED_SKIP_REASONS):
        report.outcome = "failed"
        report.longrepr = (
            f"skipped ({reason}), but this reason is not on the allow-list "
            "(ALLOWED_SKIP_REASONS in tests/conftest.py): make the test run, or add "
            "the reason there with a comment saying why it may skip"
        )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    _fail_unless_allowed(report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector):
    report = yield
    _fail_unless_allowed(report)
    return report


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The Redis server on 127.0.0.1:6379, which scripts/test.sh starts; a
    test that needs it fails (never skips) when it is not there."""
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=2) as connection:
            connection.sendall(b"PING\r\n")
            answer = connection.recv(16)
    except OSError as exc:
        pytest.fail(f"no Redis on 127.0.0.1:6379 ({exc}); scripts/test.sh starts one", False)
    if not answer.startswith(b"+PONG"):
        pytest.fail(f"127.0.0.1:6379 does not answer like Redis: {answer!r}", False)
    return "redis://127.0.0.1:6379/0"


# Mutation testing (`make mutate`; mutmut names the mutant in MUTANT_UNDER_TEST)
# runs the tests once per mutant, each time in a new process: migrating a new
# test database each time would take longer than the tests themselves. The
# Makefile migrates this SQLite file once, and each run works on a copy of it.
MUTATION_TEST_DATABASE = Path(__file__).resolve().parent.parent / "test-database.sqlite3"

if "MUTANT_UNDER_TEST" in os.environ and MUTATION_TEST_DATABASE.exists():

    @pytest.fixture(scope="session")
    def django_db_setup(django_db_blocker):
        from django.conf import settings as django_settings
        from django.db import connection

        copy = MUTATION_TEST_DATABASE.with_name(f"test-database-{os.getpid()}.sqlite3")
        source, target = sqlite3.connect(MUTATION_TEST_DATABASE), sqlite3.connect(copy)
        source.backup(target)
        source.close()
        target.close()
        with django_db_blocker.unblock():
            connection.close()
            django_settings.DATABASES["default"]["NAME"] = str(copy)
            connection.settings_dict["NAME"] = str(copy)
        yield
        with django_db_blocker.unblock():
            connection.close()
        for path in (copy, copy.with_name(f"{copy.name}-wal"), copy.with_name(f"{copy.name}-shm")):
            path.unlink(missing_ok=True)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _static_files_found_when_asked_for(settings):
    """WhiteNoise lists every static file when a test client loads the
    middleware, once per client and so once per test (36 ms, a fifth of a
    short API test); in tests it finds a file when the file is asked for,
    as in development."""
    settings.WHITENOISE_AUTOREFRESH = True


@pytest.fixture(autouse=True)
def _cheap_password_hashing(request, settings):
    """Argon2 is deliberately slow (about 0.1-0.7 s a hash here) and tests make
    hundreds of users; tests marked ``real_password_hashing`` keep it."""
    if "real_password_hashing" not in request.keywords:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def user(db):
    # An administrator (kontor.access): the tests written before access rules
    # expect to see and change everyone's records.
    return UserFactory(username="rep", roles=["administrator"])


@pytest.fixture
def admin_user(db):
    return UserFactory(username="boss", is_staff=True, is_superuser=True)


@pytest.fixture
def boss(db):
    """An administrator by role (not Django's superuser)."""
    return UserFactory(username="boss", roles=["administrator"])


@pytest.fixture
def rep(db):
    """A sales rep of team Nord: reads the team's records and what is shared."""
    return UserFactory(username="rep-a", roles=["sales"], teams=["Nord"])


class ApiClient(Client):
    """A test client that sends JSON and a Bearer token."""

    def __init__(self, token: str | None = None, **kwargs: Any):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        super().__init__(headers=headers, **kwargs)

    def _json(self, method: str, path: str, data: Any = None, **kwargs: Any):
        body = json.dumps(data) if data is not None and not isinstance(data, str | bytes) else data
        return getattr(super(), method)(path, body, content_type="application/json", **kwargs)

    def post(self, path, data=None, **kwargs):  # type: ignore[override]
        return self._json("post", path, data, **kwargs)

    def patch(self, path, data=None, **kwargs):  # type: ignore[override]
        return self._json("patch", path, data, **kwargs)


def api_client_for(user) -> ApiClient:
    _token, key = api_token_create(actor=user, user=user, name="test")
    return ApiClient(key)


@pytest.fixture
def api(user) -> ApiClient:
    return api_client_for(user)
