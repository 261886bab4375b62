"""An API token, its user and the user's access are read from the database
once and then from the shared cache (kontor.accounts.token_cache); every
change of them takes effect with the very next request."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kontor.access.models import Role
from kontor.access.services import field_category_set, user_update
from kontor.accounts.models import ApiToken
from kontor.accounts.services import api_token_create, api_token_revoke
from kontor.audit.models import AuditEntry
from tests.conftest import ApiClient, api_client_for
from tests.factories import ContactFactory, UserFactory
from tests.query_counts import CaptureWorkQueries, is_bookkeeping

CACHE_TABLE = '"kontor_cache"'


def _queries_of(api: ApiClient, path: str, **params) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = api.get(path, params)
    assert response.status_code == 200, response.content
    return [q["sql"] for q in queries.captured_queries]


def test_a_used_token_is_read_with_its_user_and_access_from_the_cache_alone(rep):
    field_category_set(
        actor=UserFactory(roles=["administrator"]),
        object_type_key="contact",
        field="notes",
        category="personal",
    )
    api = api_client_for(rep)
    first = _queries_of(api, "/api/v1/lookup", phone="")

    again = _queries_of(api, "/api/v1/lookup", phone="")

    # The first request read the token with its user, the roles, the teams
    # with their members and the field categories; the next reads none of them.
    for table in ("accounts_apitoken", "access_role", "access_team_members", "fieldcategory"):
        assert any(table in sql for sql in first), table
    assert [sql for sql in again if not is_bookkeeping(sql)] == []
    assert any(CACHE_TABLE in sql for sql in again)


def test_the_access_from_the_cache_is_the_users_whole_access(rep):
    teammate = UserFactory(username="rep-b", roles=["sales"], teams=["Nord"])
    stranger = UserFactory(username="rep-c", roles=["sales"], teams=["Süd"])
    ContactFactory(first_name="", last_name="Ours", phones=["030 1111111"], owner=teammate)
    ContactFactory(last_name="Theirs", phones=["030 2222222"], owner=stranger)
    api = api_client_for(rep)
    api.get("/api/v1/lookup", {"phone": ""})

    with CaptureWorkQueries() as queries:
        ours = api.get("/api/v1/lookup", {"phone": "030 1111111"}).json()["matches"]
        theirs = api.get("/api/v1/lookup", {"phone": "030 2222222"}).json()["matches"]

    assert [m["display_name"] for m in ours] == ["Ours"]
    assert theirs == []
    # The stranger's contact cost a look at the shares (the work); the rights
    # themselves were all in the copy.
    read_again = ("accounts_apitoken", "access_role", "access_team", "fieldcategory")
    assert not [sql for sql in queries.work if any(table in sql for table in read_again)]


def test_revoking_a_used_token_refuses_its_next_request(rep):
    token, key = api_token_create(actor=rep, user=rep)
    api = ApiClient(key)
    assert api.get("/api/v1/tokens").status_code == 200

    api_token_revoke(actor=rep, token=token)

    assert api.get("/api/v1/tokens").status_code == 401


def test_deactivating_a_user_refuses_their_used_token_at_once(rep, boss):
    api = api_client_for(rep)
    assert api.get("/api/v1/tokens").status_code == 200

    user_update(actor=boss, user=rep, data={"is_active": False})

    assert api.get("/api/v1/tokens").status_code == 401


def test_a_deleted_users_used_token_is_refused(rep):
    api = api_client_for(rep)
    assert api.get("/api/v1/tokens").status_code == 200

    rep.delete()

    assert api.get("/api/v1/tokens").status_code == 401


def test_a_used_token_is_refused_once_it_expired(rep, monkeypatch):
    _token, key = api_token_create(
        actor=rep, user=rep, expires_at=timezone.now() + datetime.timedelta(hours=1)
    )
    api = ApiClient(key)
    assert api.get("/api/v1/tokens").status_code == 200

    later = timezone.now() + datetime.timedelta(hours=2)
    monkeypatch.setattr(timezone, "now", lambda: later)

    assert api.get("/api/v1/tokens").status_code == 401


def test_taking_a_role_away_takes_effect_with_the_next_request(boss):
    colleague = UserFactory(username="colleague", roles=["administrator"])
    api = api_client_for(colleague)
    assert api.get("/api/v1/users").status_code == 200

    user_update(actor=boss, user=colleague, data={"roles": [str(_role("sales").pk)]})

    assert api.get("/api/v1/users").status_code == 403


def test_changing_a_roles_rights_takes_effect_with_the_next_request(boss):
    role = Role.objects.create(slug="reader", name="reader", levels={"*": {"read": "all"}},
                               categories={"standard": "read"}, manage_access=True)  # fmt: skip
    colleague = UserFactory(username="colleague", roles=[])
    colleague.kontor_roles.set([role])
    api = api_client_for(colleague)
    assert api.get("/api/v1/users").status_code == 200

    role.manage_access = False
    role.save()

    assert api.get("/api/v1/users").status_code == 403


def test_leaving_a_team_takes_effect_with_the_next_request(rep, boss):
    teammate = UserFactory(username="rep-b", roles=["sales"], teams=["Nord"])
    contact = ContactFactory(last_name="Ours", owner=teammate)
    api = api_client_for(rep)
    assert api.get(f"/api/v1/contacts/{contact.pk}").status_code == 200

    user_update(actor=boss, user=rep, data={"teams": []})

    assert api.get(f"/api/v1/contacts/{contact.pk}").status_code == 404


def test_joining_a_team_takes_effect_with_the_next_request(rep):
    stranger = UserFactory(username="rep-c", roles=["sales"], teams=["Süd"])
    contact = ContactFactory(last_name="Theirs", owner=stranger)
    api = api_client_for(rep)
    assert api.get(f"/api/v1/contacts/{contact.pk}").status_code == 404

    stranger.kontor_teams.first().members.add(rep)

    assert api.get(f"/api/v1/contacts/{contact.pk}").status_code == 200


def test_a_field_made_sensitive_is_hidden_from_the_next_request(boss):
    standard_only = Role.objects.create(
        slug="standard-only", name="standard only",
        levels={"*": {"read": "all"}}, categories={"standard": "edit"},
    )  # fmt: skip
    reader = UserFactory(username="reader", roles=[])
    reader.kontor_roles.set([standard_only])
    contact = ContactFactory(notes="Met at the fair")
    api = api_client_for(reader)
    assert api.get(f"/api/v1/contacts/{contact.pk}").json()["notes"] == "Met at the fair"

    field_category_set(actor=boss, object_type_key="contact", field="notes", category="personal")

    assert "notes" not in api.get(f"/api/v1/contacts/{contact.pk}").json()


def test_a_superuser_made_an_ordinary_user_loses_everything_at_once(rep):
    rep.is_superuser = True
    rep.save()
    other = ContactFactory(owner=UserFactory(username="stranger", roles=["sales"]))
    api = api_client_for(rep)
    assert api.get(f"/api/v1/contacts/{other.pk}").status_code == 200

    rep.is_superuser = False
    rep.save()

    assert api.get(f"/api/v1/contacts/{other.pk}").status_code == 404


def test_a_renamed_user_is_named_anew_at_the_next_request(rep, boss):
    api = api_client_for(rep)
    assert api.post("/api/v1/contacts", {"first_name": "Anna"}).status_code == 201

    user_update(actor=boss, user=rep, data={"first_name": "Renate", "last_name": "Neu"})

    assert api.post("/api/v1/contacts", {"first_name": "Berta"}).status_code == 201
    names = AuditEntry.objects.filter(object_repr__in=["Anna", "Berta"]).order_by("object_repr")
    assert list(names.values_list("actor_name", flat=True)) == ["rep-a", "Renate Neu"]


def test_the_cache_keeps_no_password_hash(rep):
    from django.core.cache import cache

    from kontor.accounts.token_cache import cache_key

    token, key = api_token_create(actor=rep, user=rep)
    ApiClient(key).get("/api/v1/tokens")

    copy = cache.get(cache_key(token.key_hash))
    assert copy is not None
    assert rep.password not in repr(copy)


def test_a_token_from_the_cache_notes_its_use_once_a_minute(rep, monkeypatch):
    token, key = api_token_create(actor=rep, user=rep)
    api = ApiClient(key)
    api.get("/api/v1/tokens")
    first_use = ApiToken.objects.get(pk=token.pk).last_used_at

    api.get("/api/v1/tokens")
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first_use
    later = timezone.now() + datetime.timedelta(minutes=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    api.get("/api/v1/tokens")

    assert ApiToken.objects.get(pk=token.pk).last_used_at == later


def test_the_work_of_a_request_costs_as_many_queries_when_a_minute_turns(rep, monkeypatch):
    """A minute later the rate limit counts in a new window (its first count
    inserts) and the token's last use is written: bookkeeping, which made a
    test comparing two requests' queries fail now and then."""
    import django_ratelimit.core

    api = api_client_for(rep)
    api.get("/api/v1/contacts")
    with CaptureWorkQueries() as now:
        api.get("/api/v1/contacts")
    later = timezone.now() + datetime.timedelta(seconds=61)
    window = django_ratelimit.core._get_window
    monkeypatch.setattr(timezone, "now", lambda: later)
    monkeypatch.setattr(
        django_ratelimit.core, "_get_window", lambda value, period: window(value, period) + period
    )
    with CaptureWorkQueries() as a_minute_later:
        api.get("/api/v1/contacts")

    assert len(a_minute_later.captured_queries) > len(now.captured_queries)
    assert any("last_used_at" in q["sql"] for q in a_minute_later.captured_queries)
    assert a_minute_later.work == now.work


def _role(slug: str) -> Role:
    return Role.objects.get(slug=slug)
