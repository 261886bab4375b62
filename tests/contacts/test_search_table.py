"""The contact search table: relevance order, kept in step by every write
that changes what it holds, and the access rules applied to its columns."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from kontor.access.policy import readable_condition
from kontor.access.services import share_create
from kontor.contacts import selectors
from kontor.contacts.models import Contact, ContactSearch
from kontor.contacts.search import fold, rebuild_contact_search
from kontor.contacts.services import (
    contact_archive,
    contact_create,
    contact_delete,
    contact_update,
    organization_create,
    organization_delete,
    organization_update,
)
from kontor.dedupe.services import merge_records, merge_undo
from tests.factories import ContactFactory, UserFactory

pytestmark = pytest.mark.django_db


def _ranked(user, q: str, limit: int = 50) -> list[str]:
    page = selectors.contact_search(user=user, q=q).page(
        order=("-created_at", "-id"), limit=limit, cursor=None
    )
    return [contact.display_name for contact in page.items]


def _touch(contact: Contact, days_ago: int) -> None:
    """Make ``contact`` last changed ``days_ago`` days ago (ties go to the latest)."""
    moment = timezone.now() - datetime.timedelta(days=days_ago)
    Contact.objects.filter(pk=contact.pk).update(updated_at=moment)
    ContactSearch.objects.filter(pk=contact.pk).update(recency=moment)


def _row(contact: Contact) -> ContactSearch:
    return ContactSearch.objects.get(pk=contact.pk)


# Relevance ---------------------------------------------------------------------


def test_a_surname_prefix_shows_those_surnames_before_mere_substring_hits(user):
    inside = ContactFactory(first_name="Eva", last_name="Kleinschmidt")
    by_organization = ContactFactory(
        first_name="Ole",
        last_name="Berg",
        organization_id=organization_create(actor=user, data={"name": "Schmitz AG"}).pk,
    )
    by_email = ContactFactory(first_name="Uwe", last_name="Kern", emails=["schmiede@example.org"])
    schmidt = ContactFactory(first_name="Jan", last_name="Schmidt")
    schmitt = ContactFactory(first_name="Lea", last_name="Schmitt")
    # The substring hit is the newest: recency alone would put it first.
    _touch(schmitt, 3)
    _touch(schmidt, 2)
    _touch(by_organization, 1)
    _touch(by_email, 1)

    ranked = _ranked(user, "Schmi")

    assert ranked[:2] == ["Jan Schmidt", "Lea Schmitt"]
    assert set(ranked[2:4]) == {"Ole Berg", "Uwe Kern"}
    assert ranked[4:] == ["Eva Kleinschmidt"]
    assert inside.display_name in ranked


def test_an_exact_surname_ranks_above_longer_ones_and_ties_go_to_the_latest(user):
    older = ContactFactory(first_name="Anna", last_name="Schmidt")
    longer = ContactFactory(first_name="Bert", last_name="Schmidtke")
    newer = ContactFactory(first_name="Carl", last_name="Schmidt")
    _touch(older, 10)
    _touch(newer, 5)
    _touch(longer, 0)

    assert _ranked(user, "schmidt") == ["Carl Schmidt", "Anna Schmidt", "Bert Schmidtke"]


def test_an_exact_email_address_or_full_name_is_found_first(user):
    target = ContactFactory(
        first_name="Hannah", last_name="Berger", emails=["h.berger@example.org", "hb@work.example"]
    )
    for index in range(5):
        ContactFactory(first_name="Hannah", last_name=f"Bergmann{index}",
                       emails=[f"hb@work.example.{index}x"])  # fmt: skip
    _touch(target, 30)

    assert _ranked(user, "hb@work.example")[0] == "Hannah Berger"
    assert _ranked(user, "Hannah Berger")[0] == "Hannah Berger"
    assert _ranked(user, "HANNAH BERGER")[0] == "Hannah Berger"


def test_accents_and_case_do_not_matter(user):
    ContactFactory(first_name="Jürgen", last_name="Müller-Lüdenscheidt")

    assert _ranked(user, "muller") == ["Jürgen Müller-Lüdenscheidt"]
    assert _ranked(user, "LÜDEN") == ["Jürgen Müller-Lüdenscheidt"]
    assert fold("Straße") == "strasse"


def test_pages_of_a_ranked_search_follow_each_other_across_tiers(user, api):
    for index in range(4):
        ContactFactory(first_name="Max", last_name=f"Roth{index}")
    for index in range(3):
        ContactFactory(first_name="Ina", last_name="Becker", emails=[f"roth{index}@example.org"])
    for index in range(3):
        ContactFactory(first_name="Ute", last_name=f"Barroth{index}")

    seen, cursor = [], None
    while True:
        params = {"q": "roth", "limit": 3, **({"cursor": cursor} if cursor else {})}
        page = api.get("/api/v1/contacts", params).json()
        seen += page["items"]
        cursor = page["next"]
        if not cursor:
            break

    names = [item["last_name"] for item in seen]
    assert len({item["id"] for item in seen}) == len(seen) == 10
    assert {n[:4] for n in names[:4]} == {"Roth"}
    assert names[4:7] == ["Becker"] * 3
    assert {n[:7] for n in names[7:]} == {"Barroth"}


def _all_pages(api, q: str, limit: int) -> list[str]:
    seen, cursor = [], None
    while True:
        params = {"q": q, "limit": limit, **({"cursor": cursor} if cursor else {})}
        page = api.get("/api/v1/contacts", params).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next"]
        if not cursor:
            return seen


def test_a_tier_sorted_apart_pages_as_the_walk_along_its_index(api, monkeypatch):
    moment = timezone.now() - datetime.timedelta(days=3)
    for index in range(6):
        contact = ContactFactory(first_name="Max", last_name=f"Roth{index}")
        if index % 2:  # ties of recency go to the larger id
            ContactSearch.objects.filter(pk=contact.pk).update(recency=moment)
    for index in range(5):
        ContactFactory(first_name="Ute", last_name=f"Barroth{index}")
    expected = [
        str(pk)
        for last in ("roth", "barroth")
        for pk in ContactSearch.objects.filter(last_key__startswith=last)
        .order_by("-recency", "-contact_id")
        .values_list("contact_id", flat=True)
    ]

    read_whole = _all_pages(api, "roth", limit=4)
    monkeypatch.setattr("kontor.contacts.search.FEW_TIER_ROWS", 1)  # every tier walked
    walked = _all_pages(api, "roth", limit=4)

    assert read_whole == walked == expected


def test_a_cursor_that_was_not_handed_out_is_refused(api):
    ContactFactory(last_name="Roth")

    response = api.get("/api/v1/contacts", {"q": "roth", "cursor": "WyI5IiwgIngiLCAieCJd"})

    assert response.status_code == 422
    assert "cursor" in response.content.decode()


# Kept in step ------------------------------------------------------------------


def _expected(contact: Contact) -> dict:
    """The row that a rebuild writes for ``contact``."""
    row = _row(contact)
    ContactSearch.objects.filter(pk=contact.pk).delete()
    rebuild_contact_search()
    fresh = _row(contact)
    return {"stored": _values(row), "rebuilt": _values(fresh)}


def _values(row: ContactSearch) -> dict:
    return {f.attname: getattr(row, f.attname) for f in ContactSearch._meta.concrete_fields}


def test_creating_a_contact_writes_its_row(user):
    organization = organization_create(actor=user, data={"name": "Hafen GmbH"})
    contact = contact_create(
        actor=user,
        data={"first_name": "Ida", "last_name": "Öztürk", "organization_id": organization.pk,
              "emails": ["Ida@Hafen.example"], "phones": ["030 1234567"]},
    )  # fmt: skip

    row = _row(contact)
    assert (row.last_key, row.name_key, row.organization_key) == (
        "ozturk",
        "ida ozturk",
        "hafen gmbh",
    )
    assert row.email_key == "ida@hafen.example"
    assert row.phones == "49301234567"
    assert (row.owner_id, row.organization_id, row.organization_owner_id) == (
        user.pk,
        organization.pk,
        user.pk,
    )
    compared = _expected(contact)
    assert compared["stored"] == compared["rebuilt"]


def test_updates_of_names_emails_phones_and_owner_rewrite_the_row(user):
    other = UserFactory()
    contact = ContactFactory(first_name="Ida", last_name="Alt", emails=["alt@example.org"])

    contact_update(
        actor=user,
        contact=contact,
        data={"last_name": "Neu", "emails": ["neu@example.org"], "phones": ["0171 5550000"],
              "owner_id": other.pk},
    )  # fmt: skip

    row = _row(contact)
    assert (row.last_key, row.email_key, row.phones, row.owner_id) == (
        "neu",
        "neu@example.org",
        "491715550000",
        other.pk,
    )
    assert _ranked(user, "alt@example") == []
    assert _ranked(user, "neu@example") == ["Ida Neu"]


def test_renaming_or_handing_over_an_organization_rewrites_its_contacts_rows(user):
    organization = organization_create(actor=user, data={"name": "Altbau KG"})
    contact = ContactFactory(last_name="Kunde", organization_id=organization.pk)
    other = UserFactory()

    organization_update(
        actor=user, organization=organization, data={"name": "Neubau KG", "owner_id": other.pk}
    )

    row = _row(contact)
    assert (row.organization_key, row.organization_owner_id) == ("neubau kg", other.pk)
    assert _ranked(user, "altbau") == []
    assert [n for n in _ranked(user, "neubau")] == [contact.display_name]


def test_deleting_an_organization_clears_it_from_its_contacts_rows(user):
    organization = organization_create(actor=user, data={"name": "Abriss AG"})
    contact = ContactFactory(organization_id=organization.pk)

    organization_delete(actor=user, organization=organization)

    row = _row(contact)
    assert (row.organization_id, row.organization_key) == (None, "")


def test_archiving_hides_and_restoring_shows_the_contact(user):
    contact = ContactFactory(last_name="Archivar")

    contact_archive(actor=user, contact=contact)
    assert _row(contact).archived and _ranked(user, "archivar") == []

    contact_archive(actor=user, contact=contact, archived=False)
    assert _ranked(user, "archivar") == [contact.display_name]


def test_deleting_a_contact_removes_its_row(user):
    contact = ContactFactory(last_name="Weg")

    contact_delete(actor=user, contact=contact)

    assert not ContactSearch.objects.filter(pk=contact.pk).exists()


def test_a_merge_and_its_undo_move_the_email_addresses_between_the_rows(user):
    keep = ContactFactory(first_name="Eva", last_name="Haupt", emails=["eva@haupt.example"])
    merged = ContactFactory(first_name="Eva", last_name="Haupt", emails=["eva@privat.example"])

    merge = merge_records(actor=user, kind="contact", keep=keep.pk, merge=[merged.pk])

    assert "eva@privat.example" in _row(keep).emails
    assert _row(merged).archived
    assert [c for c in _ranked(user, "eva@privat")] == ["Eva Haupt"]

    merge_undo(actor=user, merge=merge)

    assert "eva@privat.example" not in _row(keep).emails
    assert "eva@privat.example" in _row(merged).emails and not _row(merged).archived


def test_merging_organizations_moves_their_contacts_to_the_surviving_name(user):
    keep = organization_create(actor=user, data={"name": "Bleibt GmbH"})
    merged = organization_create(actor=user, data={"name": "Geht GmbH"})
    contact = ContactFactory(organization_id=merged.pk)

    merge_records(actor=user, kind="organization", keep=keep.pk, merge=[merged.pk])

    assert _row(contact).organization_key == "bleibt gmbh"


def test_a_rebuild_fills_the_table_as_the_services_keep_it(user):
    contacts = [
        ContactFactory(emails=[f"p{i}@example.org"], phones=[f"030 55500{i}"]) for i in range(3)
    ]
    kept = {c.pk: _values(_row(c)) for c in contacts}

    ContactSearch.objects.all().delete()
    assert rebuild_contact_search() == len(contacts)

    assert {c.pk: _values(_row(c)) for c in contacts} == kept


# Access ------------------------------------------------------------------------


@pytest.fixture
def teams(db):
    """A sales rep of team A, a colleague of theirs and a rep of team B."""
    return {
        "rep": UserFactory(username="rep-a", roles=["sales"], teams=["Team A"]),
        "colleague": UserFactory(username="colleague-a", roles=["sales"], teams=["Team A"]),
        "stranger": UserFactory(username="rep-b", roles=["sales"], teams=["Team B"]),
    }


def test_a_rep_finds_no_contact_they_may_not_see_by_any_field(teams):
    stranger = teams["stranger"]
    organization = organization_create(
        actor=stranger, data={"name": "Fremdfirma GmbH", "owner_id": stranger.pk}
    )
    contact_create(
        actor=stranger,
        data={"first_name": "Geheim", "last_name": "Fremder", "organization_id": organization.pk,
              "emails": ["geheim@fremdfirma.example"], "phones": ["030 9990001"],
              "owner_id": stranger.pk},
    )  # fmt: skip
    mine = contact_create(
        actor=teams["colleague"], data={"first_name": "Offen", "last_name": "Eigen"}
    )

    rep = teams["rep"]
    for q in ("Fremder", "geheim", "fremdfirma", "geheim@fremdfirma.example", "9990001", "Geh"):
        assert _ranked(rep, q) == [], q
    assert _ranked(rep, "eigen") == [mine.display_name]


def test_a_rep_does_not_find_their_contact_by_an_organization_they_may_not_see(teams, user):
    stranger, rep = teams["stranger"], teams["rep"]
    hidden = organization_create(
        actor=stranger, data={"name": "Verborgen Holding", "owner_id": stranger.pk}
    )
    contact_create(
        actor=user,
        data={
            "first_name": "Anna",
            "last_name": "Teamkundin",
            "organization_id": hidden.pk,
            "owner_id": rep.pk,
        },
    )

    assert _ranked(rep, "verborgen") == []
    assert _ranked(rep, "Verborgen Holding") == []
    assert _ranked(stranger, "verborgen") == []  # the contact is the rep's
    assert _ranked(UserFactory(roles=["administrator"]), "verborgen") == ["Anna Teamkundin"]


def test_a_shared_contact_is_found_by_the_user_it_is_shared_with(teams):
    stranger, rep = teams["stranger"], teams["rep"]
    contact = contact_create(
        actor=stranger,
        data={"first_name": "Geteilt", "last_name": "Kunde", "owner_id": stranger.pk},
    )
    assert _ranked(rep, "geteilt") == []

    share_create(actor=stranger, record=contact, user=rep)

    assert _ranked(rep, "geteilt") == ["Geteilt Kunde"]


def test_the_column_predicate_selects_exactly_the_visible_contacts(teams):
    """The search table's access condition is the contacts' own rules
    (kontor.access.policy), applied to its copy of the owner."""
    stranger, rep, colleague = teams["stranger"], teams["rep"], teams["colleague"]
    for owner in (stranger, rep, colleague, stranger):
        contact_create(
            actor=owner, data={"last_name": f"Von {owner.username}", "owner_id": owner.pk}
        )
    shared = contact_create(actor=stranger, data={"last_name": "Geteilt", "owner_id": stranger.pk})
    share_create(actor=stranger, record=shared, user=rep)

    for user in (rep, stranger, UserFactory(roles=["administrator"]), UserFactory(roles=[])):
        condition = readable_condition(
            user, "contact", owner="owner", record="pk", restricted="processing_restricted_at"
        )
        rows = (
            ContactSearch.objects.filter(condition)
            if condition is not None
            else ContactSearch.objects.all()
        )
        visible = set(selectors.visible_contacts(user).values_list("pk", flat=True))
        assert set(rows.values_list("pk", flat=True)) == visible, user.username


def test_who_may_not_read_email_addresses_finds_nobody_by_them(teams, user):
    from kontor.access.models import Role

    role = Role.objects.get(slug="sales")
    role.categories = {**role.categories, "personal": "none"}
    role.save()
    rep = UserFactory(username="rep-c", roles=["sales"], teams=["Team A"])
    contact_create(
        actor=user,
        data={"first_name": "Nur", "last_name": "Name", "emails": ["privat@example.org"],
              "phones": ["030 7770001"], "owner_id": rep.pk},
    )  # fmt: skip

    assert _ranked(rep, "privat@example") == []
    assert _ranked(rep, "7770001") == []
    assert _ranked(rep, "name") == ["Nur Name"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only: trigram indexes")
def test_postgresql_indexes_the_search_table_for_prefixes_and_substrings():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'contacts_contactsearch'"
        )
        definitions = dict(cursor.fetchall())
    for column in ("names", "organization_key", "emails", "phones"):
        assert "gin_trgm_ops" in definitions[f"contacts_contactsearch_{column}_trgm"]
    for name in ("last", "name", "organization", "email"):
        assert "text_pattern_ops" in definitions[f"contactsearch_{name}"]


def test_the_rebuild_command_writes_a_row_per_contact(user):
    contacts = [ContactFactory(last_name=f"Neu{i}") for i in range(3)]
    ContactSearch.objects.all().delete()

    call_command("rebuildsearch", stdout=io.StringIO())

    assert set(ContactSearch.objects.values_list("pk", flat=True)) == {c.pk for c in contacts}
    assert _ranked(user, "neu1") == [contacts[1].display_name]
