"""The read-replica router's decisions (kontor.core.db_router); the real
replica is in test_read_replicas.py."""

import json
import os
import subprocess
import sys

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import MiddlewareNotUsed
from django.db import DEFAULT_DB_ALIAS, transaction
from django.http import HttpResponse
from django.test import RequestFactory

from kontor.audit.models import AuditEntry
from kontor.contacts.models import Contact
from kontor.core import db_router
from kontor.core.db_router import (
    ReadYourWritesMiddleware,
    ReplicaRouter,
    reads_from_replica,
    replica_reads,
    wrote_recently,
)
from kontor.warehouse.models import Watermark
from tests.factories import UserFactory

router = ReplicaRouter()


@pytest.fixture
def replicas(settings, monkeypatch):
    """One replica configured, and taken as reachable (no server behind it:
    the router's decisions need none). Tests that expect reads on it use
    transaction=True: inside the usual test transaction all reads stay on
    the primary."""
    settings.KONTOR_DATABASE_REPLICAS = ["replica_1"]
    monkeypatch.setattr(db_router, "_reachable", lambda alias: True)


def test_outside_replica_reads_everything_is_read_from_the_primary(replicas):
    assert router.db_for_read(Contact) == DEFAULT_DB_ALIAS


@pytest.mark.django_db(transaction=True)
def test_inside_replica_reads_records_are_read_from_the_replica(replicas):
    with replica_reads() as alias:
        assert alias == "replica_1"
        assert router.db_for_read(Contact) == "replica_1"
    assert router.db_for_read(Contact) == DEFAULT_DB_ALIAS


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("model", [Session, AuditEntry, Watermark])
def test_sessions_the_audit_and_bookkeeping_are_always_read_from_the_primary(replicas, model):
    with replica_reads():
        assert router.db_for_read(model) == DEFAULT_DB_ALIAS


@pytest.mark.django_db(transaction=True)
def test_writes_always_go_to_the_primary_even_for_a_record_read_from_a_replica(replicas):
    contact = Contact(first_name="Anna")
    contact._state.db = "replica_1"
    with replica_reads():
        assert router.db_for_write(Contact, instance=contact) == DEFAULT_DB_ALIAS
    assert router.allow_relation(contact, Contact())


@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_reads_stay_on_the_primary(replicas):
    with replica_reads() as alias:
        assert alias == "replica_1"
        with transaction.atomic():
            assert router.db_for_read(Contact) == DEFAULT_DB_ALIAS
    with transaction.atomic(), replica_reads() as alias:
        assert alias is None


def test_migrations_run_on_the_primary_only():
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "contacts")
    assert not router.allow_migrate("replica_1", "contacts")


def test_without_replicas_nothing_is_read_from_one(db, settings):
    settings.KONTOR_DATABASE_REPLICAS = []
    with replica_reads() as alias:
        assert alias is None
        assert router.db_for_read(Contact) == DEFAULT_DB_ALIAS
    with pytest.raises(MiddlewareNotUsed):
        ReadYourWritesMiddleware(lambda request: HttpResponse())


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_replica_leaves_reads_on_the_primary(settings, monkeypatch):
    settings.KONTOR_DATABASE_REPLICAS = ["replica_1"]
    monkeypatch.setattr(db_router, "_reachable", lambda alias: False)
    with replica_reads() as alias:
        assert alias is None


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("method", "kept_on_primary"),
    [("GET", False), ("HEAD", False), ("POST", True), ("PATCH", True), ("DELETE", True)],
)
def test_a_request_that_may_write_keeps_its_users_reads_on_the_primary(
    replicas, method, kept_on_primary
):
    user, other = UserFactory(), UserFactory()
    request = RequestFactory().generic(method, "/api/v1/contacts")
    request.user = user
    ReadYourWritesMiddleware(lambda request: HttpResponse())(request)

    assert wrote_recently(user.pk) is kept_on_primary
    assert not wrote_recently(other.pk)
    with replica_reads(user) as alias:
        assert (alias is None) is kept_on_primary
    with replica_reads(other) as alias:
        assert alias == "replica_1"


def test_the_marker_runs_out(db, replicas, settings):
    settings.KONTOR_DATABASE_REPLICA_STICKY_SECONDS = 0  # Django's cache: expired at once
    user = UserFactory()
    db_router.note_write(user.pk)
    assert not wrote_recently(user.pk)


@pytest.mark.django_db(transaction=True)
def test_a_list_page_reads_from_the_replica_only_on_get(replicas):
    seen = []

    @reads_from_replica
    def page(request):
        seen.append(router.db_for_read(Contact))
        return HttpResponse()

    user = UserFactory()
    for method in ("get", "post"):
        request = getattr(RequestFactory(), method)("/contacts/")
        request.user = user
        page(request)
    assert seen == ["replica_1", DEFAULT_DB_ALIAS]


DATABASE_SETTINGS = (
    "import json, django; django.setup(); from django.conf import settings; "
    "print(json.dumps({'databases': settings.DATABASES, "
    "'routers': settings.DATABASE_ROUTERS, 'replicas': settings.KONTOR_DATABASE_REPLICAS}, "
    "default=str))"
)


def _settings_with(
    tmp_path, code: str = DATABASE_SETTINGS, **env: str
) -> subprocess.CompletedProcess:
    """Run ``code`` (by default: print the database settings as JSON) in a
    new process with the settings of ``env``."""
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "kontor.settings",
            "KONTOR_VAR_DIR": str(tmp_path),
            **env,
        },
        capture_output=True,
        text=True,
        check=False,
    )


def test_kontor_database_replica_urls_adds_a_database_per_replica_and_the_router(tmp_path):
    result = _settings_with(
        tmp_path,
        DATABASE_URL="postgres://kontor:secret@primary.internal:5432/kontor",
        KONTOR_DATABASE_REPLICA_URLS=(
            "postgres://reader@replica-a.internal:5433/kontor, "
            "postgres://reader@replica-b.internal/kontor"
        ),
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["replicas"] == ["replica_1", "replica_2"]
    assert found["routers"] == ["kontor.core.db_router.ReplicaRouter"]
    first, second = found["databases"]["replica_1"], found["databases"]["replica_2"]
    assert (first["HOST"], first["PORT"], first["USER"]) == ("replica-a.internal", 5433, "reader")
    assert (second["HOST"], second["NAME"]) == ("replica-b.internal", "kontor")
    # The primary's connection settings, and tests use the primary's database.
    assert first["CONN_HEALTH_CHECKS"] is True
    default_options = found["databases"]["default"]["OPTIONS"]
    assert first["OPTIONS"] == {**default_options, "connect_timeout": 5}
    assert first["TEST"]["MIRROR"] == "default"


def test_without_kontor_database_replica_urls_there_is_no_router(tmp_path):
    result = _settings_with(tmp_path, KONTOR_DATABASE_REPLICA_URLS="")
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["replicas"] == []
    assert found["routers"] == []
    assert list(found["databases"]) == ["default"]


@pytest.mark.parametrize(
    ("primary", "replicas", "message"),
    [
        ("sqlite:///kontor.sqlite3", "postgres://replica/kontor", "needs PostgreSQL"),
        ("postgres://primary/kontor", "sqlite:///copy.sqlite3", "is no PostgreSQL URL"),
    ],
)
def test_replicas_must_be_postgresql(tmp_path, primary, replicas, message):
    result = _settings_with(tmp_path, DATABASE_URL=primary, KONTOR_DATABASE_REPLICA_URLS=replicas)
    assert result.returncode != 0
    assert message in result.stderr
