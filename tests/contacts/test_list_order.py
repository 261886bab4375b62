"""The ``order`` of the contact and organization lists: relevance by default
for a search, the order asked for when there is one."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from kontor.access.services import share_create
from kontor.contacts import search
from kontor.contacts.models import Contact, ContactSearch, Organization
from kontor.contacts.search import refresh_contact_search
from kontor.contacts.services import contact_archive, contact_create, contact_update
from tests.conftest import api_client_for
from tests.contacts.api_support import field_errors, walk_pages
from tests.factories import ContactFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def _names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["display_name"] for item in response.json()["items"]]


def _changed(record: Contact | Organization, days_ago: int) -> None:
    moment = timezone.now() - datetime.timedelta(days=days_ago)
    type(record).objects.filter(pk=record.pk).update(updated_at=moment)
    if isinstance(record, Contact):
        ContactSearch.objects.filter(pk=record.pk).update(recency=moment)


@pytest.fixture
def schmidts(db):
    """Contacts that a search for "schmidt" ranks in another order than by
    name or by their last change."""
    contacts = {
        "exact": ContactFactory(first_name="Xaver", last_name="Schmidt"),
        "prefix": ContactFactory(first_name="Bea", last_name="Schmidtke"),
        "inside": ContactFactory(first_name="Anton", last_name="Kleinschmidt"),
    }
    _changed(contacts["exact"], 3)
    _changed(contacts["prefix"], 2)
    _changed(contacts["inside"], 1)
    ContactFactory(first_name="Otto", last_name="Meier")
    return contacts


def test_a_search_goes_by_relevance_without_an_order(api, schmidts):
    response = api.get("/api/v1/contacts", {"q": "schmidt"})

    assert _names(response) == ["Xaver Schmidt", "Bea Schmidtke", "Anton Kleinschmidt"]


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        ("name", ["Anton Kleinschmidt", "Bea Schmidtke", "Xaver Schmidt"]),
        ("-name", ["Xaver Schmidt", "Bea Schmidtke", "Anton Kleinschmidt"]),
        ("-updated", ["Anton Kleinschmidt", "Bea Schmidtke", "Xaver Schmidt"]),
        ("updated", ["Xaver Schmidt", "Bea Schmidtke", "Anton Kleinschmidt"]),
        ("created", ["Xaver Schmidt", "Bea Schmidtke", "Anton Kleinschmidt"]),
        ("-created", ["Anton Kleinschmidt", "Bea Schmidtke", "Xaver Schmidt"]),
    ],
)
def test_a_search_goes_by_the_order_asked_for(api, schmidts, order, expected):
    response = api.get("/api/v1/contacts", {"q": "schmidt", "order": order})

    assert _names(response) == expected


def test_a_list_without_a_search_goes_by_the_order_asked_for(api):
    for index, name in enumerate(["Carla Cordes", "Anna Arndt", "Bernd Brandt"]):
        _changed(ContactFactory(first_name=name.split()[0], last_name=name.split()[1]), index)

    assert _names(api.get("/api/v1/contacts", {"order": "name"})) == [
        "Anna Arndt", "Bernd Brandt", "Carla Cordes",
    ]  # fmt: skip
    assert _names(api.get("/api/v1/contacts", {"order": "-updated"})) == [
        "Carla Cordes", "Anna Arndt", "Bernd Brandt",
    ]  # fmt: skip
    assert _names(api.get("/api/v1/contacts")) == [
        "Bernd Brandt", "Anna Arndt", "Carla Cordes",
    ], "newest first by default"  # fmt: skip


def test_pages_of_an_ordered_search_cover_every_match_once_in_order(api):
    same_time = timezone.now() - datetime.timedelta(days=1)
    for index in range(7):
        contact = ContactFactory(first_name=f"Max{index % 3}", last_name=f"Roth{index}")
        Contact.objects.filter(pk=contact.pk).update(updated_at=same_time)
    ContactFactory(last_name="Meier")

    items = walk_pages(api, "/api/v1/contacts", q="roth", order="-updated", limit=2)

    assert len({item["id"] for item in items}) == len(items) == 7
    assert [item["id"] for item in items] == sorted((item["id"] for item in items), reverse=True)


def _results_of(monkeypatch, name: str) -> list:
    """What each call of ``kontor.contacts.search.<name>`` returns, from now on."""
    results: list = []
    original = getattr(search, name)

    def spy(*args, **kwargs):
        results.append(original(*args, **kwargs))
        return results[-1]

    monkeypatch.setattr(search, name, spy)
    return results


@pytest.mark.parametrize("order", ["name", "-name"])
@pytest.mark.parametrize("few", [5000, 1], ids=["sorted-apart", "walked"])
@pytest.mark.parametrize("bound", [10_000, 3, 0], ids=["walk-fills", "walk-short", "no-walk"])
def test_a_search_in_name_order_pages_as_the_list_in_that_order(
    api, monkeypatch, order, few, bound
):
    # Read from the search table's copy of the names: on PostgreSQL first
    # by a walk of at most ``bound`` rows, and for a page that walk does not
    # fill sorted apart (few matches) or along its index; the same order,
    # ties and cursors as the contact list sorted by the contacts' own names.
    monkeypatch.setattr(search, "FEW_MATCHES", few)
    monkeypatch.setattr(search, "NAME_WALK_ROWS", bound)
    for first, last in [
        ("Ada", "Roth"), ("ada", "Rothe"), ("Bea", "Roth"), ("Bea", "Roth"), ("Ömer", "Rothmann"),
        ("Zora", "Brandroth"), ("Ärzte", "Roth"), ("", "Roth"), ("Mia", "Rot"),
    ]:  # fmt: skip
        ContactFactory(first_name=first, last_name=last)
    ContactFactory(first_name="Otto", last_name="Meier")
    listed = walk_pages(api, "/api/v1/contacts", order=order, limit=100)
    expected = [item["id"] for item in listed if "roth" in item["display_name"].lower()]

    items = walk_pages(api, "/api/v1/contacts", q="roth", order=order, limit=2)

    assert len(expected) == 8
    assert [item["id"] for item in items] == expected


def test_a_renamed_contact_moves_in_a_search_in_name_order(api, user):
    anna = contact_create(actor=user, data={"first_name": "Anna", "last_name": "Roth"})
    contact_create(actor=user, data={"first_name": "Berta", "last_name": "Roth"})

    contact_update(actor=user, contact=anna, data={"first_name": "Zoe"})

    response = api.get("/api/v1/contacts", {"q": "roth", "order": "name"})
    assert _names(response) == ["Berta Roth", "Zoe Roth"]


def test_an_ordered_search_shows_a_rep_only_what_they_may_see(db):
    rep = UserFactory(roles=["sales"], teams=["Team A"])
    stranger = UserFactory(roles=["sales"], teams=["Team B"])
    contact_create(actor=stranger, data={"last_name": "Fremdroth", "owner_id": stranger.pk})
    contact_create(actor=rep, data={"last_name": "Eigenroth", "owner_id": rep.pk})

    response = api_client_for(rep).get("/api/v1/contacts", {"q": "roth", "order": "name"})

    assert _names(response) == ["Eigenroth"]


@pytest.mark.parametrize("order", ["name", "-name"])
@pytest.mark.parametrize("bound", [10_000, 4, 0], ids=["walk-fills", "walk-short", "no-walk"])
def test_a_rep_pages_a_search_in_name_order_as_their_list(user, monkeypatch, order, bound):
    # Rows the rep may not read lie between theirs in name order; a walk
    # along the name index passes them and must leave them out, as must
    # the page sorted apart when the walk ends before the page is full.
    monkeypatch.setattr(search, "NAME_WALK_ROWS", bound)
    rep = UserFactory(roles=["sales"], teams=["Team A"])
    colleague = UserFactory(roles=["sales"], teams=["Team A"])
    stranger = UserFactory(roles=["sales"], teams=["Team B"])
    contacts = {
        first: contact_create(
            actor=owner, data={"first_name": first, "last_name": "Roth", "owner_id": owner.pk}
        )
        for first, owner in [
            ("Anna", rep), ("Bert", stranger), ("Carl", colleague), ("Cora", stranger),
            ("Dora", rep), ("Emil", stranger), ("Eva", rep), ("Finn", rep), ("Gero", stranger),
            ("Hans", colleague), ("Ida", rep),
        ]
    }  # fmt: skip
    share_create(actor=stranger, record=contacts["Cora"], user=rep)
    contact_archive(actor=user, contact=contacts["Dora"])
    Contact.objects.filter(pk=contacts["Eva"].pk).update(processing_restricted_at=timezone.now())
    refresh_contact_search([contacts["Eva"].pk])
    client = api_client_for(rep)
    listed = walk_pages(client, "/api/v1/contacts", order=order, limit=100)
    expected = [item["id"] for item in listed if "roth" in item["display_name"].lower()]
    walks = _results_of(monkeypatch, "_walked_page")

    items = walk_pages(client, "/api/v1/contacts", q="roth", order=order, limit=2)

    names = ["Anna Roth", "Carl Roth", "Cora Roth", "Finn Roth", "Hans Roth", "Ida Roth"]
    assert [item["display_name"] for item in items] == (names if order == "name" else names[::-1])
    assert [item["id"] for item in items] == expected
    filled_by_walks = [page for page in walks if page is not None]
    if connection.vendor == "postgresql" and bound:
        assert filled_by_walks, "no page came from the walk"
    else:  # SQLite reads its matches by their own indexes (RankedSearch._few_ids)
        assert filled_by_walks == []


def test_a_relevance_cursor_is_refused_in_another_order(api):
    for index in range(3):
        ContactFactory(last_name=f"Roth{index}")
    cursor = api.get("/api/v1/contacts", {"q": "roth", "limit": 1}).json()["next"]

    errors = field_errors(
        api.get("/api/v1/contacts", {"q": "roth", "limit": 1, "order": "name", "cursor": cursor})
    )

    assert set(errors) == {"query.cursor"}


@pytest.mark.parametrize("path", ["/api/v1/contacts", "/api/v1/organizations"])
@pytest.mark.parametrize("order", ["relevance", "email", "--name", ""])
def test_an_unknown_order_is_refused_naming_the_field(api, path, order):
    assert set(field_errors(api.get(path, {"order": order}))) == {"query.order"}


def test_organizations_go_by_the_order_asked_for(api):
    for index, name in enumerate(["Cäsar Bau", "Alpha Logistik", "Beta Werke"]):
        _changed(OrganizationFactory(name=name), index)

    def names(**params) -> list[str]:
        response = api.get("/api/v1/organizations", params)
        assert response.status_code == 200, response.content
        return [item["name"] for item in response.json()["items"]]

    assert names(order="name") == ["Alpha Logistik", "Beta Werke", "Cäsar Bau"]
    assert names(order="-name") == ["Cäsar Bau", "Beta Werke", "Alpha Logistik"]
    assert names(order="updated") == ["Beta Werke", "Alpha Logistik", "Cäsar Bau"]
    assert names(order="name", q="werke") == ["Beta Werke"]
    assert names() == ["Beta Werke", "Alpha Logistik", "Cäsar Bau"], "newest first by default"
