"""The substring indexes behind search stay in step with the data."""

import pytest
from django.db import connection

from kontor.contacts import selectors
from kontor.contacts.models import Contact
from kontor.contacts.search import SQLITE_FTS, ensure_sqlite_search_index
from kontor.contacts.services import contact_update
from tests.factories import ContactFactory


def _found(user, q: str) -> set:
    return set(selectors.contact_list(user=user, q=q).values_list("pk", flat=True))


@pytest.mark.django_db
def test_search_follows_inserts_updates_and_deletes(admin_user):
    contact = ContactFactory(first_name="Jürgen", last_name="Großmann", owner=admin_user)
    assert contact.pk in _found(admin_user, "großm")
    assert contact.pk in _found(admin_user, "JÜRG")

    contact_update(actor=admin_user, contact=contact, data={"last_name": "Kleinschmidt"})
    assert contact.pk not in _found(admin_user, "großm")
    assert contact.pk in _found(admin_user, "einschm")

    Contact.objects.filter(pk=contact.pk).delete()
    assert _found(admin_user, "einschm") == set()


@pytest.mark.django_db
def test_search_matches_email_and_phone_fragments_through_the_index(admin_user):
    contact = ContactFactory(
        first_name="Ada",
        emails=[{"address": "ada.lovelace@analytical.example"}],
        phones=[{"number": "030 98765432"}],
        owner=admin_user,
    )
    assert contact.pk in _found(admin_user, "lovelace@anal")
    assert contact.pk in _found(admin_user, "9876543")
    assert contact.pk in _found(admin_user, "030 9876")
    assert contact.pk in _found(admin_user, "Ada 98765")
    assert contact.pk not in _found(admin_user, "Ada 1234567")


@pytest.mark.django_db
def test_short_terms_still_match_without_an_index(admin_user):
    contact = ContactFactory(first_name="Bo", last_name="Li", owner=admin_user)
    assert contact.pk in _found(admin_user, "Li")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only: the FTS5 tables")
@pytest.mark.django_db
def test_a_search_index_that_lost_its_triggers_is_rebuilt_after_migrate(admin_user):
    contact = ContactFactory(first_name="Wilhelmine", owner=admin_user)
    with connection.cursor() as cursor:
        # What Django's SQLite schema editor does when it rebuilds a table.
        for suffix in ("ai", "ad", "au"):
            cursor.execute(f"DROP TRIGGER contacts_contactsearch_fts_{suffix}")
        cursor.execute("DELETE FROM contacts_contactsearch_fts")
    # (A word inside the name: the prefix of a name is found by its B-tree index.)
    assert contact.pk not in _found(admin_user, "ilhelm")

    ensure_sqlite_search_index(connection)

    assert contact.pk in _found(admin_user, "ilhelm")
    with connection.cursor() as cursor:
        names = {r[0] for r in cursor.execute("SELECT name FROM sqlite_master").fetchall()}
    assert {fts for fts, _columns in SQLITE_FTS.values()} <= names


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only: trigram indexes")
@pytest.mark.django_db
def test_postgresql_has_trigram_indexes_on_every_searched_column():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%%_trgm'")
        names = {row[0] for row in cursor.fetchall()}
    assert {
        "contacts_contact_display_name_trgm",
        "contacts_organization_name_trgm",
        "contacts_emailaddress_normalized_trgm",
        "contacts_phonenumber_digits_trgm",
    } <= names
    # Contacts' names are searched through their search table; nothing
    # reads these any more (migration 0012).
    assert not {"contacts_contact_first_name_trgm", "contacts_contact_last_name_trgm"} & names


@pytest.mark.django_db
def test_no_table_or_trigger_of_contacts_own_names_is_kept(admin_user):
    """Their names are searched through the contact search table, so a write
    of a contact fills no search table of its own (migration 0013): on
    SQLite no FTS5 table and no trigger, on either database no such table."""
    ContactFactory(first_name="Wilhelmine", owner=admin_user)

    assert "contacts_contact_fts" not in connection.introspection.table_names()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            triggers = cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'contacts_contact'"
            ).fetchall()
        assert triggers == []
    assert _found(admin_user, "ilhelm")


@pytest.mark.django_db
def test_paging_through_a_search_yields_every_match_once_in_order(admin_user, api):
    """A search page is read tier by tier (last name, then organization and
    email address); walking all pages by cursor must still give exactly
    the matches, the best first, none twice."""
    from kontor.contacts.services import organization_create

    organization = organization_create(actor=admin_user, data={"name": "Kranich Werke"})
    expected = set()
    for index in range(9):
        expected.add(ContactFactory(last_name=f"Kranich{index}").pk)
        expected.add(ContactFactory(organization_id=organization.pk, last_name=f"Other{index}").pk)
        expected.add(
            ContactFactory(last_name=f"Mail{index}", emails=[f"kranich{index}@example.org"]).pk
        )
    ContactFactory(last_name="Unrelated")

    seen, cursor = [], None
    while True:
        params = {"q": "kranich", "limit": 4, **({"cursor": cursor} if cursor else {})}
        page = api.get("/api/v1/contacts", params).json()
        seen += page["items"]
        cursor = page["next"]
        if not cursor:
            break

    assert {item["id"] for item in seen} == {str(pk) for pk in expected}
    assert len(seen) == len(expected)
    assert {item["last_name"] for item in seen[:9]} == {f"Kranich{i}" for i in range(9)}
    keys = [(item["updated_at"], item["id"]) for item in seen[:9]]
    assert keys == sorted(keys, reverse=True)
