"""A logged-in user's access is read from the database once and then from
the shared cache (kontor.access.shared_access), under the same access stamp
as an API token's; every change of it takes effect with the very next page."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from kontor.access.freshness import access_changed
from kontor.access.grants import access_for
from kontor.access.models import Role
from kontor.access.services import field_category_set, user_update
from kontor.access.shared_access import cache_key, load_shared_access
from tests.conftest import api_client_for
from tests.factories import ContactFactory, UserFactory
from tests.query_counts import CaptureWorkQueries

# The tables an access is read from: roles, teams with their members, field
# categories (one query with the custom fields' categories; a page reads the
# custom fields themselves for its own work).
ACCESS_TABLES = ('"access_role', '"access_team', '"access_fieldcategory"')
CACHE_TABLE = '"kontor_cache"'


@pytest.fixture
def browser(rep):
    client = Client()
    client.force_login(rep)
    return client


def _queries_of(client, url: str) -> CaptureWorkQueries:
    with CaptureWorkQueries() as queries:
        response = client.get(url)
    assert response.status_code == 200
    return queries


def _all(queries: CaptureWorkQueries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries]


def _access_queries(queries: list[str]) -> list[str]:
    return [sql for sql in queries if any(table in sql for table in ACCESS_TABLES)]


def test_a_page_after_the_first_reads_no_access_of_a_sales_rep(rep, browser):
    contact = ContactFactory(last_name="Ours", owner=rep)
    field_category_set(
        actor=UserFactory(roles=["administrator"]),
        object_type_key="contact",
        field="notes",
        category="personal",
    )
    for url in (reverse("contact-list"), reverse("contact-detail", args=[contact.pk])):
        access_changed()  # as after any change of access: the copy is read anew
        first = _queries_of(browser, url)
        again = _queries_of(browser, url)

        # The first page read the roles, the teams with their members and the
        # field categories; the next reads none of them, only the cache.
        for table in ('"access_role', '"access_team_members"', '"access_fieldcategory"'):
            assert any(table in sql for sql in first.work), (url, table)
        assert _access_queries(again.work) == [], url
        assert len(again.work) <= len(first.work) - 3, url
        assert any(CACHE_TABLE in sql for sql in _all(again))


def test_an_api_request_after_the_first_reads_no_access_of_a_sales_rep(rep):
    contact = ContactFactory(last_name="Ours", owner=rep)
    api = api_client_for(rep)
    for path in ("/api/v1/contacts", f"/api/v1/contacts/{contact.pk}/overview"):
        assert api.get(path).status_code == 200

        with CaptureWorkQueries() as queries:
            assert api.get(path).status_code == 200

        assert _access_queries(queries.work) == [], path


def test_a_page_reads_the_access_once_in_one_read_of_the_cache(rep, browser):
    browser.get(reverse("contact-list"))

    queries = _queries_of(browser, reverse("contact-list"))

    # One get_many: the stamp and the copy together; nothing written.
    assert len([sql for sql in _all(queries) if CACHE_TABLE in sql]) == 1


def test_the_copy_is_the_users_whole_access(rep):
    load_shared_access(rep)

    copy = cache.get(cache_key(rep.pk))["value"]

    assert copy == access_for(rep)
    assert copy.team_member_ids == {rep.pk}
    assert copy.level("contact", "read") > 0


def test_a_copy_made_under_an_older_stamp_is_not_used(rep):
    first = load_shared_access(rep)
    access_changed()
    fresh = UserFactory._meta.model.objects.get(pk=rep.pk)

    again = load_shared_access(fresh)

    assert again == first
    assert again is not first


def test_taking_a_role_away_takes_effect_with_the_next_page(boss):
    colleague = UserFactory(username="colleague", roles=["administrator"])
    other = ContactFactory(owner=UserFactory(username="stranger", roles=["sales"]))
    url = reverse("contact-detail", args=[other.pk])
    browser = Client()
    browser.force_login(colleague)
    assert browser.get(url).status_code == 200

    user_update(actor=boss, user=colleague, data={"roles": [str(_role("sales").pk)]})

    assert browser.get(url).status_code == 404


def test_changing_a_roles_rights_takes_effect_with_the_next_page(rep, browser):
    stranger = UserFactory(username="rep-c", roles=["sales"], teams=["Süd"])
    contact = ContactFactory(last_name="Theirs", owner=stranger)
    url = reverse("contact-detail", args=[contact.pk])
    assert browser.get(url).status_code == 404

    sales = _role("sales")
    sales.levels = {**sales.levels, "contact": {**sales.levels["*"], "read": "all"}}
    sales.save()

    assert browser.get(url).status_code == 200


def test_leaving_a_team_takes_effect_with_the_next_page(rep, boss, browser):
    teammate = UserFactory(username="rep-b", roles=["sales"], teams=["Nord"])
    contact = ContactFactory(last_name="Ours", owner=teammate)
    url = reverse("contact-detail", args=[contact.pk])
    assert browser.get(url).status_code == 200

    user_update(actor=boss, user=rep, data={"teams": []})

    assert browser.get(url).status_code == 404


def test_joining_a_team_takes_effect_with_the_next_page(rep, browser):
    stranger = UserFactory(username="rep-c", roles=["sales"], teams=["Süd"])
    contact = ContactFactory(last_name="Theirs", owner=stranger)
    url = reverse("contact-detail", args=[contact.pk])
    assert browser.get(url).status_code == 404

    stranger.kontor_teams.first().members.add(rep)

    assert browser.get(url).status_code == 200


def test_a_field_made_sensitive_is_hidden_from_the_next_page(boss):
    standard_only = Role.objects.create(
        slug="standard-only", name="standard only",
        levels={"*": {"read": "all"}}, categories={"standard": "edit"},
    )  # fmt: skip
    reader = UserFactory(username="reader", roles=[])
    reader.kontor_roles.set([standard_only])
    contact = ContactFactory(notes="Met at the fair")
    browser = Client()
    browser.force_login(reader)
    url = reverse("contact-detail", args=[contact.pk])
    assert b"Met at the fair" in browser.get(url).content

    field_category_set(actor=boss, object_type_key="contact", field="notes", category="personal")

    assert b"Met at the fair" not in browser.get(url).content


def test_a_deactivated_user_is_logged_out_at_the_next_page(rep, boss, browser):
    assert browser.get(reverse("contact-list")).status_code == 200

    user_update(actor=boss, user=rep, data={"is_active": False})

    response = browser.get(reverse("contact-list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_changed_password_logs_out_the_other_sessions_at_the_next_page(rep, browser):
    assert browser.get(reverse("contact-list")).status_code == 200

    rep.set_password("a brand new passphrase")
    rep.save()

    assert browser.get(reverse("contact-list")).status_code == 302


def test_after_logging_out_a_page_is_refused_at_once(browser):
    assert browser.get(reverse("contact-list")).status_code == 200

    browser.post(reverse("logout"))

    assert browser.get(reverse("contact-list")).status_code == 302


def test_a_superuser_made_an_ordinary_user_loses_everything_at_the_next_page(rep, browser):
    rep.is_superuser = True
    rep.save()
    other = ContactFactory(owner=UserFactory(username="stranger", roles=["sales"]))
    url = reverse("contact-detail", args=[other.pk])
    assert browser.get(url).status_code == 200

    rep.is_superuser = False
    rep.save()

    assert browser.get(url).status_code == 404


def _role(slug: str) -> Role:
    return Role.objects.get(slug=slug)


def _found_by_phone(api, number: str) -> set[str]:
    response = api.get("/api/v1/lookup", {"phone": number})
    assert response.status_code == 200, response.content
    return {match["id"] for match in response.json()["matches"]}


def test_sharing_a_record_takes_effect_with_the_next_request(rep, boss):
    """A caller lookup decides a record in hand by the shares that came with
    the rep's access (no query of its own): a share given or taken away
    makes the access copied in the cache stale at once."""
    from kontor.access.models import Team
    from kontor.access.services import share_create, share_delete
    from kontor.contacts.services import contact_create

    stranger = UserFactory(username="stranger", roles=["sales"])
    theirs = contact_create(
        actor=boss, data={"last_name": "Fremd", "phones": ["030 5550101"], "owner_id": stranger.pk}
    )
    api = api_client_for(rep)
    assert _found_by_phone(api, "030 5550101") == set()

    share = share_create(actor=boss, record=theirs, user=rep)
    assert _found_by_phone(api, "030 5550101") == {str(theirs.pk)}

    share_delete(actor=boss, share=share, record=theirs)
    assert _found_by_phone(api, "030 5550101") == set()

    share_create(actor=boss, record=theirs, team=Team.objects.get(name="Nord"))
    assert _found_by_phone(api, "030 5550101") == {str(theirs.pk)}


def test_a_merge_moves_a_share_and_the_next_request_sees_it(rep, boss):
    """A merge re-points the merged record's shares in bulk (no signal): it
    makes the copies stale itself."""
    from kontor.access.services import share_create
    from kontor.contacts.services import contact_create
    from kontor.dedupe.services import merge_records

    stranger = UserFactory(username="stranger", roles=["sales"])
    kept = contact_create(
        actor=boss, data={"last_name": "Fremd", "phones": ["030 5550102"], "owner_id": stranger.pk}
    )
    merged = contact_create(actor=boss, data={"last_name": "Fremd", "owner_id": stranger.pk})
    share_create(actor=boss, record=merged, user=rep)
    api = api_client_for(rep)
    assert _found_by_phone(api, "030 5550102") == set()

    merge_records(actor=boss, kind="contact", keep=kept.pk, merge=[merged.pk])

    assert _found_by_phone(api, "030 5550102") == {str(kept.pk)}


def test_a_user_with_more_shares_than_copied_has_them_asked_of_the_database(
    rep, boss, monkeypatch, django_assert_num_queries
):
    from kontor.access import grants
    from kontor.access.policy import can, readable
    from kontor.access.services import share_create

    stranger = UserFactory(username="stranger", roles=["sales"])
    first, second, third = (ContactFactory(owner=stranger) for _ in range(3))
    for contact in (first, second):
        share_create(actor=boss, record=contact, user=rep)
    monkeypatch.setattr(grants, "MAX_COPIED_SHARES", 1)

    assert access_for(rep).shares is None
    with django_assert_num_queries(1):
        assert readable(rep, [first, third, second]) == [first, second]
    assert not can(rep, "edit", first)
