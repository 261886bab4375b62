"""Administrators manage users, teams and roles through the API; everybody
else gets a 403. API tokens act with their user's rights."""

import pytest

from kontor.access.models import Role, Team
from kontor.audit.models import AuditEntry
from tests.conftest import api_client_for
from tests.factories import ContactFactory, UserFactory

pytestmark = pytest.mark.django_db

STRONG = "a long and unusual passphrase 42"


@pytest.fixture
def admin_api(db):
    return api_client_for(UserFactory(username="chief", roles=["administrator"]))


def _role_ids(*slugs: str) -> list[str]:
    return [str(Role.objects.get(slug=slug).pk) for slug in slugs]


def test_an_administrator_creates_a_user_with_teams_and_roles(admin_api):
    team = Team.objects.create(name="Nord")

    response = admin_api.post(
        "/api/v1/users",
        {
            "username": "nina",
            "email": "nina@example.com",
            "password": STRONG,
            "teams": [str(team.pk)],
            "roles": _role_ids("sales"),
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["username"] == "nina" and body["is_active"] is True
    assert body["teams"] == [str(team.pk)] and body["roles"] == _role_ids("sales")
    nina = team.members.get()
    assert nina.check_password(STRONG)
    assert AuditEntry.objects.filter(object_type="auth.user", object_id=str(nina.pk)).exists()


def test_a_weak_password_is_refused_by_the_password_validators(admin_api):
    response = admin_api.post("/api/v1/users", {"username": "nina", "password": "12345678"})

    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["body", "password"]] * len(
        response.json()["detail"]
    )


def test_unknown_teams_or_roles_and_taken_usernames_are_field_errors(admin_api):
    UserFactory(username="nina")
    response = admin_api.post(
        "/api/v1/users",
        {"username": "Nina", "password": STRONG, "roles": ["0190d6f0-0000-7000-8000-000000000000"]},
    )

    assert response.status_code == 422
    assert {tuple(e["loc"]) for e in response.json()["detail"]} == {
        ("body", "username"),
        ("body", "roles"),
    }


def test_an_administrator_changes_roles_teams_and_deactivates_a_user(admin_api):
    user = UserFactory(username="ole", roles=["sales"])
    team = Team.objects.create(name="Süd")

    response = admin_api.patch(
        f"/api/v1/users/{user.pk}",
        {"roles": _role_ids("service", "read-only"), "teams": [str(team.pk)], "is_active": False},
    )

    assert response.status_code == 200, response.content
    assert sorted(response.json()["roles"]) == sorted(_role_ids("service", "read-only"))
    user.refresh_from_db()
    assert not user.is_active
    entry = AuditEntry.objects.filter(object_id=str(user.pk), action="update").get()
    assert set(entry.changes) == {"roles", "teams", "is_active"}


def test_a_password_cannot_be_changed_through_patch(admin_api):
    user = UserFactory(username="ole")
    response = admin_api.patch(f"/api/v1/users/{user.pk}", {"password": STRONG})
    assert response.status_code == 422


def test_users_and_teams_are_listed_for_administrators(admin_api):
    UserFactory(username="zora", roles=["sales"], teams=["Nord"])

    users = admin_api.get("/api/v1/users").json()["items"]
    teams = admin_api.get("/api/v1/teams").json()["items"]

    assert "zora" in [u["username"] for u in users]
    assert [t["name"] for t in teams] == ["Nord"]
    assert admin_api.post("/api/v1/teams", {"name": "Ost"}).status_code == 201
    assert admin_api.post("/api/v1/teams", {"name": "ost"}).status_code == 422


def test_the_roles_are_listed_with_their_exact_names(admin_api):
    roles = admin_api.get("/api/v1/roles").json()["items"]
    names = {r["slug"]: r["name"] for r in roles}

    assert names == {
        "administrator": "administrator",
        "sales": "sales",
        "service": "service",
        "team-lead": "team lead",
        "data-protection-officer": "data protection officer",
        "read-only": "read-only",
    }
    sales = next(r for r in roles if r["slug"] == "sales")
    assert sales["levels"]["*"]["read"] == "team"
    assert sales["categories"]["special"] == "none"


@pytest.mark.parametrize(
    "role", ["sales", "service", "team-lead", "data-protection-officer", "read-only"]
)
def test_everybody_but_administrators_gets_a_403(role):
    api = api_client_for(UserFactory(username="someone", roles=[role]))
    other = UserFactory(username="other")

    assert api.get("/api/v1/users").status_code == 403
    assert api.get(f"/api/v1/users/{other.pk}").status_code == 403
    assert api.patch(f"/api/v1/users/{other.pk}", {"first_name": "X"}).status_code == 403
    assert api.post("/api/v1/users", {"username": "x", "password": STRONG}).status_code == 403
    assert api.get("/api/v1/teams").status_code == 403
    assert api.post("/api/v1/teams", {"name": "X"}).status_code == 403
    assert api.get("/api/v1/roles").status_code == 403


def test_an_administrator_by_role_cannot_change_a_superuser(admin_api):
    boss = UserFactory(username="root", is_superuser=True)
    assert admin_api.patch(f"/api/v1/users/{boss.pk}", {"is_active": False}).status_code == 403


def test_an_api_token_acts_with_its_users_rights():
    rep = UserFactory(username="rep2", roles=["sales"], teams=["Nord"])
    stranger = UserFactory(username="stranger", roles=["sales"], teams=["Süd"])
    mine, theirs = ContactFactory(owner=rep), ContactFactory(owner=stranger)
    api = api_client_for(rep)

    assert api.get(f"/api/v1/contacts/{mine.pk}").status_code == 200
    assert api.get(f"/api/v1/contacts/{theirs.pk}").status_code == 404
    assert api.delete(f"/api/v1/contacts/{mine.pk}").status_code == 204

    rep.kontor_roles.set(Role.objects.filter(slug="read-only"))
    assert api.get(f"/api/v1/contacts/{theirs.pk}").status_code == 200
    assert api.patch(f"/api/v1/contacts/{theirs.pk}", {"notes": "x"}).status_code == 403


def test_a_record_shared_through_the_api_is_visible_to_the_colleague():
    owner = UserFactory(username="owner", roles=["sales"], teams=["Nord"])
    colleague = UserFactory(username="colleague", roles=["sales"], teams=["Süd"])
    contact = ContactFactory(owner=owner)
    api = api_client_for(owner)

    shared = api.post(
        "/api/v1/shares",
        {"object_type": "contact", "object_id": str(contact.pk), "user_id": colleague.pk},
    )

    assert shared.status_code == 201
    assert api_client_for(colleague).get(f"/api/v1/contacts/{contact.pk}").status_code == 200
    listed = api.get("/api/v1/shares", {"object_type": "contact", "object_id": str(contact.pk)})
    assert [s["user_id"] for s in listed.json()["items"]] == [colleague.pk]
    assert api.delete(f"/api/v1/shares/{shared.json()['id']}").status_code == 204
    assert api_client_for(colleague).get(f"/api/v1/contacts/{contact.pk}").status_code == 404
