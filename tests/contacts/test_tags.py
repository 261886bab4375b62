"""Tags are made on first use, found whatever their case, and two writes that
make the same new tag at the same moment both succeed with one tag."""

import threading

import pytest
from django.db import connection, connections

from kontor.contacts.models import Contact, Tag
from kontor.contacts.services import contact_update, organization_update
from tests.core.scratch import engine
from tests.factories import ContactFactory, OrganizationFactory, UserFactory


def _is_tag_insert(sql: str) -> bool:
    return sql.lstrip().upper().startswith("INSERT") and '"contacts_tag"' in sql


def test_a_tag_another_request_makes_meanwhile_is_used_and_not_made_twice(user):
    contact = ContactFactory()
    made_meanwhile = []

    def another_request_first(execute, sql, params, many, context):
        """Just before this write inserts the new tag, another one has."""
        if _is_tag_insert(sql) and not made_meanwhile:
            made_meanwhile.append("Messe 2026")
            Tag.objects.create(name="Messe 2026")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(another_request_first):
        contact_update(actor=user, contact=contact, data={"tags": ["Messe 2026", "VIP"]})

    assert made_meanwhile
    assert sorted(Contact.objects.get().tags.values_list("name", flat=True)) == [
        "Messe 2026",
        "VIP",
    ]
    assert Tag.objects.filter(name__iexact="messe 2026").count() == 1


def test_a_new_tag_in_another_case_is_the_existing_tag(user):
    organization = OrganizationFactory(tags=["Partner"])
    contact = ContactFactory()

    contact_update(actor=user, contact=contact, data={"tags": ["PARTNER"]})
    organization_update(actor=user, organization=organization, data={"tags": ["partner", "Neu"]})

    assert list(contact.tags.values_list("name", flat=True)) == ["Partner"]
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["Neu", "Partner"]


@pytest.mark.skipif(
    engine() == "sqlite",
    reason="PostgreSQL only: the SQLite test database lives in shared-cache memory, "
    "whose locks do not wait",
)
@pytest.mark.django_db(transaction=True)
def test_two_writes_making_the_same_new_tag_at_once_both_succeed():
    actor = UserFactory(username="tagger")
    contacts = [ContactFactory(owner=actor), ContactFactory(owner=actor)]
    # Both writes have looked for the tag and not found it before either inserts it.
    both_about_to_insert = threading.Barrier(2, timeout=20)
    errors: list[BaseException] = []

    def insert_together(execute, sql, params, many, context):
        if _is_tag_insert(sql):
            both_about_to_insert.wait()
        return execute(sql, params, many, context)

    def tag(contact: Contact) -> None:
        try:
            with connection.execute_wrapper(insert_together):
                contact_update(
                    actor=actor,
                    contact=Contact.objects.get(pk=contact.pk),
                    data={"tags": ["Messe 2026"]},
                )
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=tag, args=(contact,)) for contact in contacts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    [tag_made] = Tag.objects.filter(name="Messe 2026")
    assert set(tag_made.contacts.values_list("pk", flat=True)) == {c.pk for c in contacts}
