"""The database itself refuses to change or delete audit entries; only the
retention purge and GDPR erasure lift that, for their own transaction."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from kontor.audit.locking import audit_unlocked
from kontor.audit.models import AuditEntry
from kontor.audit.services import audit_read, audit_record, erase_record, purge_expired
from kontor.contacts.services import contact_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(db):
    return audit_record(
        actor=None,
        action="create",
        object_type="contact",
        object_id="x",
        changes={"first_name": [None, "Ada"]},
    )


def _refused(statement) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        statement()


def test_entries_cannot_be_changed_or_deleted_through_the_orm(entry):
    _refused(lambda: AuditEntry.objects.filter(pk=entry.pk).update(action="read"))
    _refused(lambda: AuditEntry.objects.filter(pk=entry.pk).delete())
    entry.object_repr = "changed"
    _refused(lambda: entry.save())
    assert AuditEntry.objects.get(pk=entry.pk).object_repr == ""


def test_entries_cannot_be_changed_or_deleted_with_raw_sql(entry):
    def run(sql: str):
        with connection.cursor() as cursor:
            cursor.execute(sql, [entry.pk])

    _refused(lambda: run("UPDATE audit_auditentry SET action = 'read' WHERE id = %s"))
    _refused(lambda: run("DELETE FROM audit_auditentry WHERE id = %s"))


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL only: TRUNCATE is PostgreSQL's"
)
def test_the_table_cannot_be_truncated(entry):
    def truncate():
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE audit_auditentry")

    _refused(truncate)


def test_the_documented_bypass_allows_a_deletion_in_its_transaction_only(entry):
    with audit_unlocked():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    other = audit_record(actor=None, action="create", object_type="contact", object_id="y")
    _refused(lambda: AuditEntry.objects.filter(pk=other.pk).delete())


def _at(days_ago: int, **fields) -> AuditEntry:
    return AuditEntry.objects.create(
        at=timezone.now() - datetime.timedelta(days=days_ago), channel="cli", **fields
    )


def test_purgeaudit_deletes_old_entries_and_keeps_sensitive_reads_longer(settings):
    settings.KONTOR_AUDIT_RETENTION_DAYS = 90
    settings.KONTOR_AUDIT_SENSITIVE_READ_RETENTION_DAYS = 3 * 365
    old_change = _at(91, action="update", object_type="contact", object_id="1")
    recent_change = _at(89, action="update", object_type="contact", object_id="1")
    old_read = _at(400, action="read", object_type="contact", object_id="1", sensitive=True)
    ancient_read = _at(4 * 365, action="read", object_type="contact", object_id="1", sensitive=True)

    out = StringIO()
    call_command("purgeaudit", stdout=out)

    left = set(AuditEntry.objects.values_list("pk", flat=True))
    assert left == {recent_change.pk, old_read.pk}
    assert old_change.pk not in left and ancient_read.pk not in left
    assert "Deleted 1 audit entries and 1 records of sensitive reads." in out.getvalue()
    assert purge_expired() == {"entries": 0, "sensitive_reads": 0}


def test_gdpr_erasure_removes_the_entries_about_a_record_and_notes_only_that(db):
    admin = UserFactory(username="a", roles=["administrator"])
    contact = contact_create(actor=admin, data={"first_name": "Erika"})
    audit_read(actor=admin, record=contact, fields=["custom.x"])
    other = contact_create(actor=admin, data={"first_name": "Otto"})

    deleted = erase_record(actor=admin, object_type="contact", object_id=contact.pk)

    about = AuditEntry.objects.filter(object_id=str(contact.pk))
    assert deleted == 2
    assert [(e.action, e.object_repr) for e in about] == [("erase", "")]
    assert AuditEntry.objects.filter(object_id=str(other.pk)).exists()


def test_an_export_is_recorded_with_how_many_records_it_held(db):
    from kontor.audit.services import audit_export

    admin = UserFactory(username="a", roles=["administrator"])
    entry = audit_export(actor=admin, object_type="contact", count=42, description="CSV export")

    assert (entry.action, entry.object_type, entry.object_repr) == (
        "export",
        "contact",
        "CSV export",
    )
    assert entry.changes == {"count": [None, 42]} and entry.actor == admin
