"""GET /api/v1/events/stream: server-sent events for the logged-in user."""

import threading
import time

import pytest
from django.db import connection

from kontor.events import wakeup
from kontor.events.models import Event
from kontor.events.services import publish
from kontor.events.stream import format_event
from kontor.events.wakeup import process_wakeup
from tests.conftest import api_client_for
from tests.factories import UserFactory

URL = "/api/v1/events/stream"


@pytest.fixture(autouse=True)
def short_streams(settings):
    settings.KONTOR_EVENT_STREAM_SECONDS = 0.3


def read(response) -> str:
    return b"".join(response.streaming_content).decode()


def events_in(text: str) -> list[dict]:
    """The events of a stream as {"id", "event", "data"}."""
    events = []
    for block in text.split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.splitlines():
            name, _, value = line.partition(": ")
            if name in {"id", "event", "data"}:
                fields[name] = fields.get(name, "") + value
        if "event" in fields:
            events.append(fields)
    return events


def test_the_stream_is_text_event_stream(client, user):
    client.force_login(user)

    response = client.get(URL)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/event-stream")
    assert response["Cache-Control"].startswith("no-cache")
    assert response.streaming


def test_it_delivers_events_published_for_the_user_with_their_ids(client, user):
    client.force_login(user)
    response = client.get(URL)
    [event] = publish(kind="call", recipients=[(user, {"call_id": "c-1", "matches": []})])

    text = read(response)

    [received] = events_in(text)
    assert received == {
        "id": str(event.pk),
        "event": "call",
        "data": '{"call_id":"c-1","matches":[]}',
    }


def test_the_stream_ends_with_a_retry_hint(client, user):
    client.force_login(user)

    text = read(client.get(URL))

    assert text.rstrip().splitlines()[-2].startswith("retry: ")


def test_a_new_stream_starts_after_the_users_last_event(client, user):
    publish(kind="call", recipients=[(user, {"old": True})])
    client.force_login(user)

    assert events_in(read(client.get(URL))) == []


def test_a_reconnect_resumes_after_the_last_event_id(client, user):
    first, second, third = (
        publish(kind="call", recipients=[(user, {"n": n})])[0] for n in range(3)
    )
    client.force_login(user)

    text = read(client.get(URL, headers={"Last-Event-ID": str(first.pk)}))

    assert [e["id"] for e in events_in(text)] == [str(second.pk), str(third.pk)]


def test_the_resume_point_may_come_as_a_parameter(client, user):
    first, second = (publish(kind="call", recipients=[(user, {"n": n})])[0] for n in range(2))
    client.force_login(user)

    text = read(client.get(URL, {"last_event_id": str(first.pk)}))

    assert [e["id"] for e in events_in(text)] == [str(second.pk)]


def test_nobody_receives_another_users_events(client, user):
    other = UserFactory(username="other")
    publish(kind="call", recipients=[(other, {"secret": "caller"})])
    client.force_login(user)

    text = read(client.get(URL, headers={"Last-Event-ID": "0"}))

    assert "caller" not in text


def test_a_bearer_token_opens_the_stream_too(user):
    api = api_client_for(user)
    event = publish(kind="call", recipients=[(user, {"via": "token"})])[0]

    text = read(api.get(URL, headers={"Last-Event-ID": str(event.pk - 1)}))

    assert [e["id"] for e in events_in(text)] == [str(event.pk)]


def test_the_stream_needs_a_login(client):
    response = client.get(URL)

    assert response.status_code == 401


def test_an_inactive_user_gets_no_events(client, user):
    event = publish(kind="call", recipients=[(user, {"n": 1})])
    assert event  # published while active
    user.is_active = False
    user.save(update_fields=["is_active"])

    from kontor.events.selectors import events_for

    assert events_for(user=user, after_id=0) == []


def test_events_are_not_published_to_inactive_users(user):
    user.is_active = False
    assert publish(kind="call", recipients=[(user, {"n": 1})]) == []


def test_a_multi_line_payload_is_one_event():
    event = Event(pk=7, kind="call", payload={"text": "a\nb"})

    assert format_event(event) == 'id: 7\nevent: call\ndata: {"text":"a\\nb"}\n\n'


def test_an_event_committed_late_with_a_lower_id_is_still_delivered(client, user):
    early, late = (publish(kind="call", recipients=[(user, {"n": n})])[0] for n in range(2))
    client.force_login(user)

    # The stream saw "late" first (as if "early" had not been committed yet).
    from kontor.events.selectors import events_for

    found = events_for(user=user, after_id=late.pk, delivered={late.pk}, resumed_after=0)
    assert [e.pk for e in found] == [early.pk]


def test_old_events_are_pruned(user, monkeypatch):
    import datetime

    from django.utils import timezone

    from kontor.events import services

    old = publish(kind="call", recipients=[(user, {"n": 0})])[0]
    Event.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(hours=1))
    monkeypatch.setattr(services, "PRUNE_EVERY", 1)

    publish(kind="call", recipients=[(user, {"n": 1})])

    assert not Event.objects.filter(pk=old.pk).exists()


# Across server processes ---------------------------------------------------------------


def _wait_for(condition, seconds: float = 60.0) -> bool:
    """Whether ``condition`` became true; the limit only keeps a broken
    listener from hanging the run, it is no measure of speed."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def other_process():
    """The wake-up listener of another server process."""
    hub = wakeup.Wakeup()
    hub.start()
    yield hub
    hub.stop()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only: LISTEN/NOTIFY")
@pytest.mark.django_db(transaction=True)
def test_postgresql_notify_wakes_the_streams_of_every_process(settings, other_process):
    assert _wait_for(lambda: other_process.listening)
    generation = other_process.generation
    user = UserFactory(username="agent")

    publish(kind="call", recipients=[(user, {"n": 1})])  # commits: autocommit

    assert _wait_for(lambda: other_process.generation > generation)


@pytest.fixture
def redis_events(settings, redis_url):
    settings.KONTOR_EVENTS_URL = redis_url


@pytest.mark.django_db(transaction=True)
def test_redis_pub_sub_wakes_the_streams_of_every_process(redis_events, other_process):
    assert _wait_for(lambda: other_process.listening)
    generation = other_process.generation
    user = UserFactory(username="agent")

    publish(kind="call", recipients=[(user, {"n": 1})])

    assert _wait_for(lambda: other_process.generation > generation)


@pytest.fixture
def reads_beside_a_writer():
    """SQLite's test database lives in shared-cache memory, whose table locks
    do not wait: a look-up while another thread writes the table fails
    ("database table is locked"), where a database file in WAL mode, as
    Kontor runs on, lets the reader go on. So this test's connection reads
    without taking those locks."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA read_uncommitted = 1")
    yield
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA read_uncommitted = 0")


@pytest.mark.django_db(transaction=True)
def test_a_stream_receives_an_event_published_while_it_waits(
    settings, monkeypatch, reads_beside_a_writer
):
    """The event arrives on the stream that is already open, woken by the
    publication: with the periodic look-ups switched off, nothing else could
    bring it before the stream ends (polling on SQLite is the wake-up there)."""
    from django.db import connections
    from django.test import Client

    from kontor.events import stream

    settings.KONTOR_EVENT_STREAM_SECONDS = 120  # ends a broken test
    if wakeup._mode() != "poll":
        monkeypatch.setattr(stream, "SAFETY_POLL_SECONDS", 3600.0)
        monkeypatch.setattr(stream, "KEEPALIVE_SECONDS", 3600.0)
    user = UserFactory(username="agent")
    client = Client()
    client.force_login(user)
    response = client.get(URL)
    chunks = iter(response.streaming_content)
    next(chunks)  # the stream's opening lines
    if wakeup._mode() != "poll":
        assert _wait_for(lambda: process_wakeup.listening)
    published: list[Event] = []

    def publish_while_it_waits() -> None:
        published.extend(publish(kind="call", recipients=[(user, {"n": 1})]))
        connections.close_all()

    publisher = threading.Thread(target=publish_while_it_waits)
    publisher.start()
    try:
        received = next(chunks).decode()
    finally:
        publisher.join()
        response.close()
        connections.close_all()
    [event] = published
    assert events_in(received) == [
        {"id": str(event.pk), "event": "call", "data": '{"n":1}'},
    ]
