import pytest

from kontor.activities.models import Activity
from kontor.contacts import selectors
from kontor.contacts.models import Contact, EmailAddress, Organization, PhoneNumber
from kontor.contacts.normalization import normalize_email, normalize_phone
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


@pytest.mark.django_db(transaction=True)
def test_the_load_leaves_every_index_and_foreign_key_in_place():
    from django.db import connection

    from kontor.perf.generate import TABLES

    def schema():
        with connection.cursor() as cursor:
            statistics = []
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT attrelid::regclass::text, attnum, attstattarget FROM pg_attribute "
                    "WHERE attstattarget > 0 AND attrelid::regclass::text LIKE '%%_trgm'"
                )
                statistics = sorted(cursor.fetchall())
                assert statistics  # the search indexes' finer statistics
            return statistics, {
                table: (
                    connection.introspection.get_constraints(cursor, table),
                    connection.introspection.get_relations(cursor, table),
                )
                for table in TABLES
            }

    before = schema()
    _generate(contacts=50, organizations=10, activities=200)

    assert schema() == before


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
