"""On PostgreSQL the caller lookups are prepared statements, planned once
per connection (kontor.core.prepared); every other query is planned for its
own parameters. KONTOR_DB_PREPARED_STATEMENTS=off switches it off for a
connection pooler that cannot keep prepared statements."""

import json

import pytest
from django.db import connection
from django.db.backends.postgresql.base import ServerBindingCursor
from django.test import Client

from kontor.contacts import selectors
from kontor.core.prepared import PREPARE_AFTER, prepared_statements
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
