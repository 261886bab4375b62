import pytest

from kontor.events.wakeup import process_wakeup


@pytest.fixture(autouse=True)
def _stop_listener():
    """A stream starts this process's wake-up listener; it must not outlive the
    test (on PostgreSQL it holds a connection to the test database)."""
    yield
    process_wakeup.stop()
