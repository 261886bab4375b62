# SQL here is built from the constant table names of SQLITE_FTS.
# ruff: noqa: S608
import pytest

from kontor.activities.models import Activity
from kontor.contacts import selectors
from kontor.contacts.models import Contact, ContactSearch, EmailAddress, Organization, PhoneNumber
from kontor.contacts.normalization import normalize_email, normalize_phone
from kontor.contacts.search import SQLITE_FTS
from kontor.perf.generate import Scale, generate
from kontor.perf.generate_activities import HEAVY_ACTIVITIES, activity_counts


def _generate(contacts=300, organizations=40, activities=2_000):
    return generate(
        Scale(contacts=contacts, organizations=organizations, activities=activities, seed=3),
        lambda label, rows: None,
    )


@pytest.mark.django_db(transaction=True)
def test_it_writes_the_requested_number_of_rows():
    result = _generate()

    assert Contact.objects.count() == 300
    assert Organization.objects.count() == 40
    assert Activity.objects.count() == 2_000
    assert result.counts["activities"] == 2_000


@pytest.mark.django_db(transaction=True)
def test_generated_contact_points_match_what_the_services_would_store():
    _generate()

    for phone in PhoneNumber.objects.all()[:200]:
        assert normalize_phone(phone.raw).e164 == phone.e164, phone.raw
        assert phone.digits == phone.e164[1:]
    for email in EmailAddress.objects.all()[:200]:
        normalized = normalize_email(email.address)
        assert (normalized.normalized, normalized.domain) == (email.normalized, email.domain)


@pytest.mark.django_db(transaction=True)
def test_generated_contacts_are_found_by_lookup_and_search(admin_user):
    _generate()
    phone = PhoneNumber.objects.filter(contact__isnull=False).first()

    matches = selectors.lookup_phone(user=admin_user, number=phone.raw)

    assert phone.contact_id in [m.record.pk for m in matches]
    contact = Contact.objects.exclude(last_name="").first()
    found = selectors.contact_list(user=admin_user, q=contact.last_name)
    assert found.filter(pk=contact.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_activities_belong_to_contacts_and_their_organizations():
    _generate()

    for activity in Activity.objects.select_related("contact")[:300]:
        assert activity.contact_id is not None
        assert activity.organization_id == activity.contact.organization_id


def test_activity_counts_are_long_tailed_with_heavy_contacts():
    import random

    counts = activity_counts(10_000, 200_000, random.Random(1))

    assert sum(counts) == 200_000
    assert max(counts) >= HEAVY_ACTIVITIES
    ordered = sorted(counts)
    assert ordered[len(ordered) // 2] < 20  # the median contact has a short history


def _schema():
    """The loaded tables' indexes, keys and triggers, and the statistics
    targets of the search indexes (PostgreSQL)."""
    from django.db import connection

    from kontor.perf.generate import TABLES

    with connection.cursor() as cursor:
        statistics, triggers = [], []
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT attrelid::regclass::text, attnum, attstattarget FROM pg_attribute "
                "WHERE attstattarget > 0 AND attrelid::regclass::text LIKE '%%_trgm'"
            )
            statistics = sorted(cursor.fetchall())
            assert statistics  # the search indexes' finer statistics
        else:
            cursor.execute(
                "SELECT tbl_name, name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
            )
            triggers = cursor.fetchall()
            # The triggers that keep the FTS5 search tables in step.
            assert {table for table, _, _ in triggers} >= set(SQLITE_FTS)
        return (
            statistics,
            triggers,
            {
                table: (
                    connection.introspection.get_constraints(cursor, table),
                    connection.introspection.get_relations(cursor, table),
                )
                for table in TABLES
            },
        )


def _assert_search_index_complete():
    """Every row of the searched tables is in its search index: on SQLite,
    FTS5 keeps one size entry per indexed row; on both, every contact has
    its search row."""
    from django.db import connection

    assert ContactSearch.objects.count() == Contact.objects.count()
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for table, (fts, _columns) in SQLITE_FTS.items():
            cursor.execute(f"SELECT count(*) FROM {table}")
            rows = cursor.fetchone()[0]
            cursor.execute(f"SELECT count(*) FROM {fts}_docsize")
            assert cursor.fetchone()[0] == rows, fts
            # FTS5's own check of the index against the table's contents.
            cursor.execute(f"INSERT INTO {fts}({fts}, rank) VALUES ('integrity-check', 1)")


@pytest.mark.django_db(transaction=True)
def test_the_load_leaves_every_index_foreign_key_and_trigger_in_place():
    before = _schema()
    _generate(contacts=50, organizations=10, activities=200)

    assert _schema() == before


@pytest.mark.django_db(transaction=True)
def test_after_the_load_search_finds_generated_names_emails_and_phone_digits(admin_user):
    _generate()

    _assert_search_index_complete()
    organization = Organization.objects.order_by("pk")[7]
    email = EmailAddress.objects.get(organization=organization)
    phone = PhoneNumber.objects.get(organization=organization)
    # Fragments from inside the values, which only the substring indexes find.
    for fragment in (organization.name[2:9], email.normalized[2:12], phone.digits[3:9]):
        found = selectors.organization_list(user=admin_user, q=fragment)
        assert found.filter(pk=organization.pk).exists(), fragment
    contact = EmailAddress.objects.filter(contact__isnull=False).order_by("pk")[5].contact
    for fragment in (contact.emails.get().normalized[2:12], contact.last_name[1:]):
        found = selectors.contact_list(user=admin_user, q=fragment)
        assert found.filter(pk=contact.pk).exists(), fragment


@pytest.mark.django_db(transaction=True)
def test_records_written_after_the_load_are_found_by_search(admin_user):
    from kontor.contacts.services import contact_create, organization_create

    _generate(contacts=50, organizations=10, activities=200)

    organization = organization_create(
        actor=admin_user,
        data={"name": "Zwetschgenbaum Logistik", "emails": [{"address": "post@zwetschge.example"}]},
    )
    contact = contact_create(
        actor=admin_user,
        data={
            "first_name": "Quirin",
            "last_name": "Wackerbarth",
            "emails": [{"address": "q.wackerbarth@quitte.example"}],
            "phones": [{"number": "030 98765432"}],
        },
    )

    for fragment in ("chgenbau", "t@zwetsch"):
        assert (
            selectors.organization_list(user=admin_user, q=fragment)
            .filter(pk=organization.pk)
            .exists()
        ), fragment
    for fragment in ("ckerbar", "erbarth@quit", "9876543"):
        assert selectors.contact_list(user=admin_user, q=fragment).filter(pk=contact.pk).exists(), (
            fragment
        )
    _assert_search_index_complete()


@pytest.mark.django_db(transaction=True)
def test_a_load_that_fails_halfway_leaves_no_rows_and_every_trigger_in_place(
    admin_user, monkeypatch
):
    from kontor.contacts.services import organization_create
    from kontor.perf import generate as generate_module

    def failing(*args, **kwargs):
        raise RuntimeError("the load stops here")

    before = _schema()
    # Organizations, contacts and their search rows are written by then.
    monkeypatch.setattr(generate_module, "generate_activities", failing)

    with pytest.raises(RuntimeError, match="the load stops here"):
        _generate(contacts=50, organizations=10, activities=200)

    assert _schema() == before
    assert not Organization.objects.exists() and not Contact.objects.exists()
    organization = organization_create(actor=admin_user, data={"name": "Kranichsteiner Mühle"})
    assert (
        selectors.organization_list(user=admin_user, q="nichstein")
        .filter(pk=organization.pk)
        .exists()
    )
    _assert_search_index_complete()


@pytest.mark.django_db(transaction=True)
def test_the_generated_search_rows_are_those_the_services_compute():
    from kontor.contacts.search import rebuild_contact_search

    _generate()
    fields = [f.attname for f in ContactSearch._meta.concrete_fields]
    generated = set(ContactSearch.objects.values_list(*fields))

    rebuild_contact_search()

    assert set(ContactSearch.objects.values_list(*fields)) == generated
    assert len(generated) == 300


def test_generated_ids_are_version_7_and_follow_the_creation_time():
    import datetime
    import random

    from kontor.perf.bulk import uuid7_at

    moment = datetime.datetime(2025, 3, 1, 12, 0, tzinfo=datetime.UTC)
    first, second = uuid7_at(moment, random.Random(1)), uuid7_at(moment, random.Random(2))

    assert first.version == 7 and first.variant == "specified in RFC 4122"
    assert first.int >> 80 == int(moment.timestamp() * 1000)
    assert first != second
    assert uuid7_at(moment, random.Random(1)) == first  # a seed gives the same data
    later = moment + datetime.timedelta(milliseconds=1)
    assert uuid7_at(later, random.Random(1)) > first


@pytest.mark.django_db(transaction=True)
def test_generated_domains_and_free_mail_addresses_are_unique():
    from django.db.models import Count

    from kontor.perf import names

    _generate(contacts=2_000, organizations=400, activities=0)

    domains = list(Organization.objects.values_list("domain", flat=True))
    assert len(set(domains)) == len(domains) == 400
    free = EmailAddress.objects.filter(contact__isnull=False, domain__in=names.FREE_MAIL)
    assert free.count() > 300
    assert not free.values("normalized").annotate(n=Count("id")).filter(n__gt=1).exists()


@pytest.mark.django_db(transaction=True)
def test_generated_moments_read_back_as_the_times_they_describe():
    import datetime

    from django.utils import timezone

    before = timezone.now()
    _generate()

    for contact in Contact.objects.all()[:200]:
        assert contact.created_at.tzinfo is not None
        assert before - datetime.timedelta(days=5 * 365) <= contact.created_at
        assert contact.created_at <= contact.updated_at <= before
        assert contact.pk.version == 7
        assert contact.pk.int >> 80 == int(contact.created_at.timestamp() * 1000)
    kinds = set()
    for activity in Activity.objects.all():
        kinds.add(activity.kind)
        assert activity.created_at == activity.occurred_at
        assert activity.occurred_at <= before + datetime.timedelta(days=30, seconds=5)
        if activity.kind == "meeting":
            assert activity.ends_at - activity.starts_at in {
                datetime.timedelta(minutes=m) for m in (30, 45, 60, 90)
            }
        if activity.kind == "task" and activity.status == "done":
            assert activity.completed_at == activity.due_at < before
        if activity.kind == "call":
            assert activity.outcome and (activity.duration_seconds > 0) == (
                activity.outcome == "answered"
            )
    assert kinds == {"call", "email", "meeting", "note", "task"}
