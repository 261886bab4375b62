"""A contact the user may read can belong to an organization they may not
read (a sales rep's contact at an organization another team owns). That
organization is absent everywhere the contact shows: no id, no name, no link."""

import pytest
from django.urls import reverse

from kontor.access.services import share_create
from kontor.activities.services import activity_create
from kontor.contacts.models import Contact
from kontor.contacts.services import contact_create, contact_update, organization_create
from tests.conftest import api_client_for
from tests.contacts.test_views import edit_form
from tests.factories import UserFactory
from tests.query_counts import CaptureWorkQueries

SECRET_NAME = "Verborgen Holding GmbH"


@pytest.fixture
def rep(db):
    return UserFactory(username="team-a-rep", roles=["sales"], teams=["Team A"])


@pytest.fixture
def hidden(user, db):
    """Owned by a rep of another team: the rep may not read it."""
    other = UserFactory(username="team-b-rep", roles=["sales"], teams=["Team B"])
    return organization_create(actor=user, data={"name": SECRET_NAME, "owner_id": other.pk})


@pytest.fixture
def anna(user, rep, hidden):
    """The rep's own contact, working at the hidden organization."""
    return contact_create(
        actor=user,
        data={
            "first_name": "Anna",
            "last_name": "Teamkundin",
            "organization_id": hidden.pk,
            "owner_id": rep.pk,
            "phones": ["030 5550100"],
            "emails": ["anna@verborgen.example"],
        },
    )


@pytest.fixture
def rep_api(rep):
    return api_client_for(rep)


@pytest.fixture
def rep_browser(client, rep):
    client.force_login(rep)
    return client


def assert_no_trace_of(hidden, response) -> None:
    assert response.status_code == 200, response.content
    text = response.content.decode()
    assert SECRET_NAME not in text
    assert str(hidden.pk) not in text


# API ------------------------------------------------------------------------------------


def test_a_contact_in_the_api_has_no_organization_the_user_may_not_read(rep_api, anna, hidden):
    response = rep_api.get(f"/api/v1/contacts/{anna.pk}")

    assert_no_trace_of(hidden, response)
    body = response.json()
    assert body["first_name"] == "Anna"
    assert body["organization_id"] is None
    assert body["organization"] is None


def test_the_contact_list_has_no_organization_the_user_may_not_read(rep_api, anna, hidden):
    response = rep_api.get("/api/v1/contacts")

    assert_no_trace_of(hidden, response)
    [item] = response.json()["items"]
    assert (item["id"], item["organization_id"], item["organization"]) == (
        str(anna.pk),
        None,
        None,
    )


@pytest.mark.parametrize("query", [{"phone": "030 5550100"}, {"email": "anna@verborgen.example"}])
def test_a_lookup_match_has_no_organization_the_user_may_not_read(rep_api, anna, hidden, query):
    response = rep_api.get("/api/v1/lookup", query)

    assert_no_trace_of(hidden, response)
    [match] = response.json()["matches"]
    assert (match["id"], match["organization"]) == (str(anna.pk), None)


def test_the_answer_to_a_patch_has_no_organization_and_the_link_stays(rep_api, anna, hidden):
    response = rep_api.patch(f"/api/v1/contacts/{anna.pk}", {"last_name": "Neu"})

    assert_no_trace_of(hidden, response)
    assert response.json()["last_name"] == "Neu"
    assert Contact.objects.get(pk=anna.pk).organization_id == hidden.pk


def test_the_360_view_and_the_history_show_no_organization_the_user_may_not_read(
    rep_api, user, rep, anna, hidden
):
    # Logged on the contact, the note follows it to the organization too.
    note = activity_create(
        actor=user, author=rep, data={"kind": "note", "contact_id": anna.pk, "body": "Hallo"}
    )
    assert note.organization_id == hidden.pk

    assert_no_trace_of(hidden, rep_api.get(f"/api/v1/contacts/{anna.pk}/overview"))
    assert_no_trace_of(hidden, rep_api.get(f"/api/v1/activities/{note.pk}"))
    listed = rep_api.get("/api/v1/activities", {"contact_id": str(anna.pk)})
    assert_no_trace_of(hidden, listed)
    assert [item["organization"] for item in listed.json()["items"]] == [None]


def test_an_administrator_still_sees_the_organization(api, anna, hidden):
    detail = api.get(f"/api/v1/contacts/{anna.pk}").json()
    [match] = api.get("/api/v1/lookup", {"phone": "030 5550100"}).json()["matches"]

    assert detail["organization_id"] == str(hidden.pk)
    assert detail["organization"] == {"id": str(hidden.pk), "name": SECRET_NAME}
    assert match["organization"]["name"] == SECRET_NAME


def test_an_organization_the_user_may_read_is_shown(user, rep, rep_api):
    own = organization_create(actor=user, data={"name": "Eigene AG", "owner_id": rep.pk})
    contact_create(
        actor=user, data={"last_name": "Offen", "organization_id": own.pk, "owner_id": rep.pk}
    )

    [item] = rep_api.get("/api/v1/contacts").json()["items"]

    assert item["organization"] == {"id": str(own.pk), "name": "Eigene AG"}


@pytest.mark.parametrize("with_whom", ["user", "team"])
def test_an_organization_shared_with_the_user_or_their_team_is_shown(
    user, rep, rep_api, anna, hidden, with_whom
):
    """Organizations loaded with the contacts are checked by their owners in
    memory; one owned by another team is shown when it is shared."""
    target = {"user": rep} if with_whom == "user" else {"team": rep.kontor_teams.get()}
    share_create(actor=user, record=hidden, **target)
    shown = {"id": str(hidden.pk), "name": SECRET_NAME}

    [listed] = rep_api.get("/api/v1/contacts").json()["items"]
    [found] = rep_api.get("/api/v1/contacts", {"q": "Teamkundin"}).json()["items"]
    [match] = rep_api.get("/api/v1/lookup", {"phone": "030 5550100"}).json()["matches"]

    assert listed["organization"] == found["organization"] == shown
    assert {key: match["organization"][key] for key in shown} == shown


def test_a_list_and_a_lookup_decide_the_organizations_without_asking_the_database(
    user, rep, rep_api, anna, hidden
):
    """The organizations come with the contacts and are decided in memory:
    by their owners against the user's level, the others by the shares that
    came with the user's access. No query of the organizations' table or the
    shares of its own."""
    own = organization_create(actor=user, data={"name": "Eigene AG", "owner_id": rep.pk})
    contact_create(
        actor=user, data={"last_name": "Offen", "organization_id": own.pk, "owner_id": rep.pk}
    )
    rep_api.get("/api/v1/contacts")  # the token's copy in the cache settles on first use
    with CaptureWorkQueries() as queries:
        items = rep_api.get("/api/v1/contacts").json()["items"]
        matches = rep_api.get("/api/v1/lookup", {"phone": "030 5550100"}).json()["matches"]

    assert sorted(str(item["organization"]) for item in items) == [
        "None",
        str({"id": str(own.pk), "name": "Eigene AG"}),
    ]
    assert matches[0]["organization"] is None
    assert not [sql for sql in queries.work if 'FROM "contacts_organization"' in sql]
    assert not [sql for sql in queries.work if sql.startswith('SELECT "access_share"')]


def _list_queries(client, user, rep, hidden, count: int) -> int:
    visible = organization_create(actor=user, data={"name": "Eigene AG", "owner_id": rep.pk})
    for index in range(count - Contact.objects.count()):
        organization = hidden if index % 2 else visible
        contact_create(
            actor=user,
            data={
                "last_name": f"Kunde {index}",
                "organization_id": organization.pk,
                "owner_id": rep.pk,
            },
        )
    client.get("/api/v1/contacts")  # the token's copy in the cache settles on first use
    with CaptureWorkQueries() as queries:
        response = client.get("/api/v1/contacts", {"limit": 100})
    assert_no_trace_of(hidden, response)
    assert len(response.json()["items"]) == count
    return len(queries.work)


def test_hiding_organizations_costs_the_same_queries_for_a_short_or_long_list(
    rep_api, user, rep, hidden
):
    few = _list_queries(rep_api, user, rep, hidden, 4)
    many = _list_queries(rep_api, user, rep, hidden, 30)

    assert many == few


def test_the_audit_trail_names_no_organization_the_user_may_not_read(
    rep_api, rep_browser, user, rep, anna, hidden
):
    own = organization_create(actor=user, data={"name": "Eigene AG", "owner_id": rep.pk})
    # An administrator moves her (the rep may not change a link they cannot see).
    contact_update(actor=user, contact=anna, data={"organization_id": own.pk})
    activity_create(
        actor=user, author=rep, data={"kind": "note", "contact_id": anna.pk, "body": "Hallo"}
    )

    response = rep_api.get("/api/v1/audit", {"object_type": "contact", "object_id": anna.pk})

    assert_no_trace_of(hidden, response)
    changes = [entry["changes"].get("organization") for entry in response.json()["items"]]
    assert [None, str(own.pk)] in changes  # the move to a visible one shows
    page = rep_browser.get(reverse("audit-record-history", args=["contact", anna.pk]))
    assert_no_trace_of(hidden, page)


def test_an_administrator_sees_the_organization_in_the_audit_trail(api, anna, hidden):
    response = api.get("/api/v1/audit", {"object_type": "contact", "object_id": anna.pk})

    [created] = response.json()["items"]
    assert created["changes"]["organization"] == [None, str(hidden.pk)]


# Web UI ---------------------------------------------------------------------------------


def test_the_contact_page_shows_no_organization_the_user_may_not_read(
    rep_browser, user, rep, anna, hidden
):
    activity_create(
        actor=user, author=rep, data={"kind": "note", "contact_id": anna.pk, "body": "Hallo"}
    )

    response = rep_browser.get(reverse("contact-detail", args=[anna.pk]))

    assert_no_trace_of(hidden, response)
    assert "Teamkundin" in response.content.decode()


def test_the_contact_list_page_shows_no_organization_the_user_may_not_read(
    rep_browser, anna, hidden
):
    response = rep_browser.get(reverse("contact-list"))

    assert_no_trace_of(hidden, response)
    assert "Teamkundin" in response.content.decode()


def test_the_activity_page_shows_no_organization_the_user_may_not_read(
    rep_browser, user, rep, anna, hidden
):
    note = activity_create(
        actor=user, author=rep, data={"kind": "note", "contact_id": anna.pk, "body": "Hallo"}
    )

    assert_no_trace_of(hidden, rep_browser.get(reverse("activity-detail", args=[note.pk])))


def test_the_edit_form_shows_no_such_organization_and_saving_keeps_it(rep_browser, anna, hidden):
    url = reverse("contact-edit", args=[anna.pk])
    assert_no_trace_of(hidden, rep_browser.get(url))

    response = rep_browser.post(url, edit_form(anna, first_name="Annabell"))

    assert response.status_code == 302, response.content.decode()
    stored = Contact.objects.get(pk=anna.pk)
    assert (stored.first_name, stored.organization_id) == ("Annabell", hidden.pk)


def test_an_administrator_sees_the_organization_on_the_contact_page(client, user, anna):
    client.force_login(user)

    response = client.get(reverse("contact-detail", args=[anna.pk]))

    assert SECRET_NAME in response.content.decode()


def test_a_search_for_the_hidden_organizations_name_finds_none_of_its_contacts(rep, anna):
    from kontor.contacts import selectors

    assert not selectors.contact_list(user=rep, q="Verborgen Holding").exists()
    assert selectors.contact_list(user=rep, q="Teamkundin").exists()
    page = selectors.contact_search(user=rep, q="Holding").page(
        order=("-created_at", "-id"), limit=10, cursor=None
    )
    assert page.items == []


def test_the_list_filtered_by_the_hidden_organization_is_empty(rep_api, rep, anna, hidden):
    response = rep_api.get("/api/v1/contacts", {"organization_id": str(hidden.pk)})

    assert response.status_code == 200
    assert response.json()["items"] == []


def test_an_administrator_still_finds_the_contact_by_its_organization(user, anna, hidden):
    from kontor.contacts import selectors

    assert list(selectors.contact_list(user=user, q="Verborgen Holding")) == [anna]
    assert list(selectors.contact_list(user=user, organization_id=hidden.pk)) == [anna]
