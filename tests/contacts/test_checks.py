"""The system check that PostgreSQL's buffers hold the contact search table."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from kontor.contacts import checks
from kontor.contacts.checks import MB, buffers_warning, search_table_fits_buffers

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL only: shared_buffers"
)


def test_buffers_that_hold_the_table_raise_nothing():
    assert buffers_warning(128 * MB, 128 * MB) is None
    assert buffers_warning(6144 * MB, 612 * MB) is None


def test_buffers_smaller_than_the_table_are_a_warning_with_the_size_to_set():
    warning = buffers_warning(128 * MB, 612 * MB + 1)

    assert warning.id == "contacts.W001"
    assert "shared_buffers (128 MB)" in warning.msg
    assert "(612 MB)" in warning.msg
    assert "at least 613 MB" in warning.hint


@postgresql_only
def test_the_check_compares_the_servers_buffers_with_the_search_table(monkeypatch):
    seen = []
    monkeypatch.setattr(checks, "buffers_warning", lambda *sizes: seen.append(sizes))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setting::bigint * current_setting('block_size')::bigint "
            "FROM pg_settings WHERE name = 'shared_buffers'"
        )
        (shared_buffers,) = cursor.fetchone()
        cursor.execute("SELECT pg_total_relation_size('contacts_contactsearch')")
        (search_table,) = cursor.fetchone()

    assert search_table_fits_buffers(databases=["default"]) == []
    assert seen == [(shared_buffers, search_table)]
    assert search_table > 0


@postgresql_only
def test_kontor_check_reports_buffers_too_small_for_the_search_table(monkeypatch):
    monkeypatch.setattr(checks, "buffers_warning", lambda *sizes: buffers_warning(0, 1 * MB))
    out = StringIO()

    call_command("check", "--database", "default", stdout=out, stderr=out)

    assert "contacts.W001" in out.getvalue()
    assert "shared_buffers (0 MB)" in out.getvalue()


def test_the_check_reads_nothing_without_a_database_or_on_sqlite(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert search_table_fits_buffers(databases=None) == []
        if connection.vendor == "sqlite":
            assert search_table_fits_buffers(databases=["default"]) == []
