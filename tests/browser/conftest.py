"""Browser tests: Playwright drives Debian's Chromium against a live Kontor.

Playwright's sync API runs an event loop in the test thread, so Django's guard
against database calls from async code must be lifted for these tests."""

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
# Never let Playwright fetch a browser of its own.
os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct horse battery"


def chromium_executable() -> str:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).is_file():
        pytest.fail(
            "Chromium is missing, so the browser tests cannot run. Install Debian's "
            "package: `sudo apt-get install chromium` (scripts/test.sh does this).",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    executable = chromium_executable()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


class _OneAtATime:
    """A cursor of a connection that several threads share, taking the
    connection's lock for every call into SQLite (rows are fetched under it
    too)."""

    def __init__(self, cursor, lock: threading.RLock) -> None:
        self._cursor = cursor
        self._lock = lock

    def __getattr__(self, name: str):
        value = getattr(self._cursor, name)
        if not callable(value):
            return value

        def locked(*args, **kwargs):
            with self._lock:
                return value(*args, **kwargs)

        return locked

    def __iter__(self):
        while True:
            with self._lock:
                rows = self._cursor.fetchmany(100)
            if not rows:
                return
            yield from rows


def _one_query_at_a_time(live_server) -> None:
    """The live server shares the test's in-memory SQLite connection with
    every request thread (an event stream stays open beside the page's
    requests). Two threads in one SQLite connection can deadlock: one in a
    query calling a Python function of Django's (a date function) waits for
    the interpreter, which the other holds while it waits for the
    connection. So each call into the shared connection takes its lock."""
    for connection in live_server.thread.connections_override.values():
        if getattr(connection, "_one_at_a_time", None) is not None:
            continue
        lock = threading.RLock()
        connection._one_at_a_time = lock
        create_cursor = connection.create_cursor
        connection.create_cursor = lambda name=None, c=create_cursor, lk=lock: _OneAtATime(
            c(name), lk
        )
        for method in ("_commit", "_rollback", "_set_autocommit"):
            original = getattr(connection, method)

            def locked(*args, _original=original, _lock=lock, **kwargs):
                with _lock:
                    return _original(*args, **kwargs)

            setattr(connection, method, locked)


@pytest.fixture
def page(browser, live_server, transactional_db, request) -> Iterator:
    """A fresh English browser tab on the live server; a screenshot of it goes
    to test-artifacts/ when the test fails, and console errors (such as
    Content-Security-Policy violations) fail the test."""
    _one_query_at_a_time(live_server)
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", viewport={"width": 1366, "height": 800}
    )
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    console_errors: list[str] = []
    tab.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    yield tab
    report = getattr(request.node, "report_call", None)
    if report is None or report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        tab.screenshot(path=ARTIFACTS / f"{request.node.name}.png", full_page=True)
    context.close()
    if report is not None and report.passed:
        assert console_errors == [], f"errors in the browser console: {console_errors}"


@pytest.fixture
def rep(transactional_db):
    from tests.factories import UserFactory

    return UserFactory(username="rep", first_name="Rita", last_name="Rep")


def log_in(page, username: str = "rep") -> None:
    page.goto("/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.wait_for_load_state()
