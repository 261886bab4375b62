"""On PostgreSQL the caller lookups are prepared statements, planned once
per connection (kontor.core.prepared); every other query is planned for its
own parameters. KONTOR_DB_PREPARED_STATEMENTS=off switches it off for a
connection pooler that cannot keep prepared statements. On both databases
Django builds the lookups' SQL once per connection and query shape."""

import json
import threading
import uuid

import pytest
from django.db import connection, connections
from django.db.backends.postgresql.base import ServerBindingCursor
from django.db.models.sql.compiler import SQLCompiler
from django.test import Client

from kontor.contacts import selectors
from kontor.contacts.models import PhoneNumber
from kontor.core.prepared import PREPARE_AFTER, fetch_compiled, prepared_statements
from tests.core.test_db_router import _settings_with
from tests.factories import ContactFactory, UserFactory

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL only: prepared statements"
)


@pytest.mark.parametrize(
    ("value", "expected"), [(None, True), ("off", False), ("0", False), ("on", True)]
)
def test_kontor_db_prepared_statements_switches_them(tmp_path, value, expected):
    env = {} if value is None else {"KONTOR_DB_PREPARED_STATEMENTS": value}
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.KONTOR_DB_PREPARED_STATEMENTS))"
    )
    result = _settings_with(tmp_path, code=code, **env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) is expected


def _prepared(table: str) -> list[str]:
    """The statements on ``table`` prepared in this connection (by any test
    that ran in it before, too)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [statement for (statement,) in cursor.fetchall() if f'"{table}"' in statement]


@pytest.fixture
def anna(db):
    return ContactFactory(first_name="Anna", phones=["+49 30 1234567"], emails=["anna@acme.de"])


@postgresql_only
def test_a_lookup_run_again_and_again_is_prepared_and_answers_each_number(anna):
    bert = ContactFactory(first_name="Bert", phones=["+49 40 7654321"])
    user = UserFactory(roles=["administrator"])

    for _ in range(PREPARE_AFTER + 1):
        assert [m.record for m in selectors.lookup(user=user, phone="040 7654321")] == [bert]
    # The same statement with another number's parameters.
    assert [m.record for m in selectors.lookup(user=user, phone="030 1234567")] == [anna]

    # The number is a parameter ($1, …), not part of the statement's text.
    assert any('"e164" IN ($1' in s for s in _prepared("contacts_phonenumber"))


@postgresql_only
def test_other_queries_are_planned_for_their_parameters(anna):
    user = UserFactory(roles=["administrator"])
    client = Client()
    client.force_login(user)
    raw = connection.connection
    before = raw.cursor_factory, raw.prepare_threshold

    for _ in range(PREPARE_AFTER + 1):
        assert [m.record for m in selectors.lookup(user=user, email="anna@acme.de")] == [anna]
        found = client.get("/api/v1/contacts", {"q": "Anna"}).json()["items"]
        assert [c["first_name"] for c in found] == ["Anna"]

    assert any('"normalized" = $1' in s for s in _prepared("contacts_emailaddress"))
    assert _prepared("contacts_contactsearch") == []  # the search's
    assert (raw.cursor_factory, raw.prepare_threshold) == before


@postgresql_only
def test_inside_the_block_statements_are_bound_on_the_server_unless_switched_off(db, settings):
    connection.ensure_connection()
    raw = connection.connection
    with prepared_statements():
        assert (raw.cursor_factory, raw.prepare_threshold) == (ServerBindingCursor, PREPARE_AFTER)
    settings.KONTOR_DB_PREPARED_STATEMENTS = False
    with prepared_statements():
        assert raw.prepare_threshold is None
    with pytest.raises(ZeroDivisionError), prepared_statements():
        1 / 0  # noqa: B018
    assert raw.prepare_threshold is None


class _Builds:
    """How often Django built the SQL of a query on phone numbers in the
    threads a test runs (other threads of the test process, a live server's
    for one, may build queries meanwhile)."""

    def __init__(self):
        self.count = 0
        self.threads = {threading.get_ident()}


@pytest.fixture
def builds(monkeypatch):
    seen = _Builds()
    build = SQLCompiler.as_sql

    def counted(self, *args, **kwargs):
        if threading.get_ident() in seen.threads and self.query.model is PhoneNumber:
            seen.count += 1
        return build(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", counted)
    return seen


def _numbers(*e164: str):
    return PhoneNumber.objects.filter(e164__in=e164).select_related("contact").order_by("e164")


def test_a_query_shape_is_built_once_and_answers_each_call_with_its_own_values(db, builds):
    ContactFactory(first_name="Bert", phones=["+49 40 7654321"])
    ContactFactory(first_name="Carla", phones=["+49 89 1111111", "+49 89 2222222"])
    key = ("numbers", uuid.uuid4())
    builds.count = 0

    def fetch(*e164):
        found = fetch_compiled(_numbers(*e164), key=(key, len(e164)), params=e164)
        return [(n.e164, n.contact.first_name) for n in found]

    with prepared_statements():
        assert fetch("+49407654321") == [("+49407654321", "Bert")]
        assert fetch("+49891111111") == [("+49891111111", "Carla")]
        assert fetch("+49000000000") == []
        assert builds.count == 1
        # Two values: another shape, built once too.
        assert fetch("+49891111111", "+49892222222") == [
            ("+49891111111", "Carla"),
            ("+49892222222", "Carla"),
        ]
        assert fetch("+49407654321", "+49891111111") == [
            ("+49407654321", "Bert"),
            ("+49891111111", "Carla"),
        ]
    assert builds.count == 2
    # What a query set gives for the same values, instances and related rows alike.
    assert fetch_compiled(_numbers("+49407654321"), key=(key, 1), params=["+49407654321"]) == list(
        _numbers("+49407654321")
    )


def test_parameters_that_are_not_the_querys_own_are_refused(db):
    query = PhoneNumber.objects.filter(e164="+49407654321", position__gte=0)
    with pytest.raises(ValueError, match="parameters"):
        fetch_compiled(query, key=uuid.uuid4(), params=["+49407654321"])


def test_each_thread_builds_on_its_own_connection(transactional_db, builds):
    ContactFactory(first_name="Bert", phones=["+49 40 7654321"])
    key = uuid.uuid4()
    found = {}
    builds.count = 0

    def fetch(name):
        builds.threads.add(threading.get_ident())
        try:
            rows = fetch_compiled(_numbers("+49407654321"), key=key, params=["+49407654321"])
            found[name] = [n.contact.first_name for n in rows]
        finally:
            connections.close_all()

    fetch("main")
    thread = threading.Thread(target=fetch, args=("thread",))
    thread.start()
    thread.join()
    assert found == {"main": ["Bert"], "thread": ["Bert"]}
    assert builds.count == 2
