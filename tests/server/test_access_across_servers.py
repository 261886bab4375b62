"""Two `kontor serve` processes against one database and one shared cache
(the database's, or Redis): a token used through one server is answered
from the cache there, and a change made through the other — a revoked
token, a deactivated user, a role taken away — takes effect with the very
next request to the first (kontor.access.freshness)."""

import http.client
import json
import uuid

import pytest

from tests.core.scratch import Servers, kontor, scratch_database, two_servers

PEOPLE = """
from django.contrib.auth import get_user_model
from kontor.access.models import Role

users = get_user_model().objects
users.create_superuser("admin", "admin@example.com", "a long admin password 1")
for name, role in [("rep", "sales"), ("leaver", "sales"), ("demoted", "administrator")]:
    user = users.create_user(name, f"{name}@example.com", "a long user password 1")
    user.kontor_roles.set([Role.objects.get(slug=role)])
"""


@pytest.fixture(scope="module", params=["database", "redis"])
def servers(request, tmp_path_factory):
    cache_url = request.getfixturevalue("redis_url") if request.param == "redis" else ""
    var_dir = tmp_path_factory.mktemp(f"access-{request.param}")
    with scratch_database(var_dir, "access", migrated=True) as url:
        kontor("shell", "-c", PEOPLE, url=url, var_dir=var_dir)
        # The other database's run shares the Redis, with users of the same ids.
        env = {
            "KONTOR_API_RATE_LIMIT": "off",
            "KONTOR_CACHE_URL": cache_url,
            "KONTOR_CACHE_KEY_PREFIX": uuid.uuid4().hex,
        }
        with two_servers(url, var_dir, **env) as servers:
            yield servers


def _call(port: int, method: str, path: str, token: str, body: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    conn.request(method, path, json.dumps(body) if body is not None else None, headers)
    response = conn.getresponse()
    content = response.read()
    conn.close()
    return response.status, json.loads(content) if content else None


def _statuses(port: int, path: str, token: str, times: int = 3) -> list[int]:
    """Several requests: the first reads the database, the others the cache
    (in either of the server's worker processes)."""
    return [_call(port, "GET", path, token)[0] for _ in range(times)]


def _user_id(servers: Servers, admin: str, username: str) -> int:
    _status, page = _call(servers.b, "GET", "/api/v1/users?limit=200", admin)
    return next(user["id"] for user in page["items"] if user["username"] == username)


def test_a_token_revoked_through_one_server_is_refused_by_the_other(servers):
    used, other = servers.tokens("rep", "rep")
    assert _statuses(servers.a, "/api/v1/tokens", used) == [200, 200, 200]

    _status, page = _call(servers.b, "GET", "/api/v1/tokens", other)
    token_id = next(t["id"] for t in page["items"] if used.startswith(t["prefix"]))
    assert _call(servers.b, "DELETE", f"/api/v1/tokens/{token_id}", other)[0] == 204

    assert _statuses(servers.a, "/api/v1/tokens", used) == [401, 401, 401]


def test_a_user_deactivated_through_one_server_is_refused_by_the_other(servers):
    admin, leaver = servers.tokens("admin", "leaver")
    assert _statuses(servers.a, "/api/v1/tokens", leaver) == [200, 200, 200]

    user_id = _user_id(servers, admin, "leaver")
    changed = _call(servers.b, "PATCH", f"/api/v1/users/{user_id}", admin, {"is_active": False})
    assert changed[0] == 200, changed

    assert _statuses(servers.a, "/api/v1/tokens", leaver) == [401, 401, 401]


def test_a_role_taken_away_through_one_server_is_gone_on_the_other(servers):
    admin, demoted = servers.tokens("admin", "demoted")
    assert _statuses(servers.a, "/api/v1/users", demoted) == [200, 200, 200]

    _status, roles = _call(servers.b, "GET", "/api/v1/roles", admin)
    sales = next(role["id"] for role in roles["items"] if role["slug"] == "sales")
    user_id = _user_id(servers, admin, "demoted")
    changed = _call(servers.b, "PATCH", f"/api/v1/users/{user_id}", admin, {"roles": [sales]})
    assert changed[0] == 200, changed

    assert _statuses(servers.a, "/api/v1/users", demoted) == [403, 403, 403]
