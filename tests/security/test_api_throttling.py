import pytest
from django.conf import settings as django_settings
from django.core.cache import cache

from kontor.accounts.services import api_token_create
from kontor.api.rates import Rate, parse_rate
from tests.conftest import ApiClient, api_client_for


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("1200/minute", Rate(1200, 60)),
        ("20/s", Rate(20, 1)),
        ("100/5m", Rate(100, 300)),
        ("5000 / hour", Rate(5000, 3600)),
        ("10/days", Rate(10, 86400)),
        ("off", None),
        ("", None),
        ("0/minute", None),
    ],
)
def test_rates_are_read_from_settings_text(text, rate):
    assert parse_rate(text) == rate


@pytest.mark.parametrize("text", ["fast", "10/fortnight", "-1/minute", "10"])
def test_a_malformed_rate_is_an_error(text):
    with pytest.raises(ValueError, match="not a rate"):
        parse_rate(text)


def test_the_default_rate_limit_is_generous():
    rate = django_settings.KONTOR_API_RATE_LIMIT
    assert rate.requests / rate.seconds >= 20


def test_a_token_over_its_rate_limit_gets_429_with_retry_after(user, api, settings):
    settings.KONTOR_API_RATE_LIMIT = Rate(3, 3600)

    statuses = [api.get("/api/v1/contacts").status_code for _ in range(3)]
    throttled = api.get("/api/v1/contacts")

    assert statuses == [200, 200, 200]
    assert throttled.status_code == 429
    assert 1 <= int(throttled["Retry-After"]) <= 3600
    assert "Rate limit" in throttled.json()["detail"]


def test_the_limit_is_per_token(user, api, settings):
    settings.KONTOR_API_RATE_LIMIT = Rate(2, 3600)
    other = api_client_for(user)
    for _ in range(3):
        api.get("/api/v1/contacts")

    assert other.get("/api/v1/contacts").status_code == 200


def test_the_count_is_kept_in_the_cache_all_server_processes_share(user, api, settings):
    settings.KONTOR_API_RATE_LIMIT = Rate(100, 3600)
    api.get("/api/v1/contacts")
    api.get("/api/v1/contacts")

    token_id = api.get("/api/v1/tokens").json()["items"][0]["id"]
    _window, count = cache.get(f"kontor:api-rate:{token_id}")
    assert count == 3
    assert django_settings.CACHES["default"]["BACKEND"] in {
        "django.core.cache.backends.db.DatabaseCache",
        "django.core.cache.backends.redis.RedisCache",
    }


def test_no_limit_when_switched_off(user, api, settings):
    settings.KONTOR_API_RATE_LIMIT = None
    assert all(api.get("/api/v1/contacts").status_code == 200 for _ in range(5))


# Failed token authentication ---------------------------------------------------------


def test_repeated_wrong_tokens_from_one_address_get_429(db, settings):
    settings.KONTOR_API_TOKEN_FAILURE_LIMIT = 3
    guesser = ApiClient("ktr_guess", REMOTE_ADDR="10.6.6.6")

    statuses = [guesser.get("/api/v1/contacts").status_code for _ in range(4)]
    response = guesser.get("/api/v1/contacts")

    assert statuses == [401, 401, 429, 429]
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 15 * 60
    assert "Too many failed authentications" in response.json()["detail"]


def test_other_addresses_are_not_affected(db, settings):
    settings.KONTOR_API_TOKEN_FAILURE_LIMIT = 2
    for _ in range(3):
        ApiClient("ktr_guess", REMOTE_ADDR="10.6.6.6").get("/api/v1/contacts")

    response = ApiClient("ktr_typo", REMOTE_ADDR="10.7.7.7").get("/api/v1/contacts")

    assert response.status_code == 401


def test_a_valid_token_keeps_working_from_a_throttled_address(user, settings):
    """A colleague's script behind the same office address is not locked out
    by someone else's stale token."""
    settings.KONTOR_API_TOKEN_FAILURE_LIMIT = 2
    _token, key = api_token_create(actor=user, user=user)
    for _ in range(3):
        ApiClient("ktr_revoked", REMOTE_ADDR="10.6.6.6").get("/api/v1/contacts")

    response = ApiClient(key, REMOTE_ADDR="10.6.6.6").get("/api/v1/contacts")

    assert response.status_code == 200


def test_a_request_without_a_token_is_not_a_failed_authentication(db, settings):
    settings.KONTOR_API_TOKEN_FAILURE_LIMIT = 2
    statuses = {ApiClient().get("/api/v1/contacts").status_code for _ in range(4)}
    assert statuses == {401}


def _redis_reachable() -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.parametrize(
    "cache_url",
    [
        "",
        pytest.param(
            "redis://127.0.0.1:6379/0",
            marks=pytest.mark.skipif(not _redis_reachable(), reason="no Redis on 127.0.0.1:6379"),
        ),
    ],
    ids=["database cache", "redis cache"],
)
def test_the_limit_holds_across_server_processes(tmp_path, cache_url):
    """`kontor serve` runs several worker processes; the count is shared,
    in the database cache by default or in Redis (KONTOR_CACHE_URL)."""
    import http.client

    from tests.core.scratch import (
        free_port,
        kontor,
        scratch_database,
        start_server,
        stop_server,
    )

    with scratch_database(tmp_path, "rate") as url:
        kontor("start", "--no-serve", "--no-demo", url=url, var_dir=tmp_path)
        token = kontor("createtoken", "admin", url=url, var_dir=tmp_path).stdout.strip()
        port = free_port()
        server = start_server(
            url, tmp_path, port, KONTOR_API_RATE_LIMIT="10/hour", KONTOR_CACHE_URL=cache_url
        )
        try:
            statuses = []
            for _ in range(14):
                # A new connection each time, so both workers get requests.
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                conn.request(
                    "GET", "/api/v1/contacts", headers={"Authorization": f"Bearer {token}"}
                )
                response = conn.getresponse()
                response.read()
                statuses.append(response.status)
                conn.close()
        finally:
            stop_server(server)

    assert statuses[:10] == [200] * 10
    assert statuses[10:] == [429] * 4


@pytest.mark.parametrize(
    ("url", "backend"),
    [
        ("", "django.core.cache.backends.db.DatabaseCache"),
        ("db://", "django.core.cache.backends.db.DatabaseCache"),
        ("redis://cache.internal:6379/0", "django.core.cache.backends.redis.RedisCache"),
        ("locmem://", "django.core.cache.backends.locmem.LocMemCache"),
    ],
)
def test_the_shared_cache_is_chosen_by_kontor_cache_url(tmp_path, url, backend):
    import json
    import os
    import subprocess
    import sys

    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.CACHES['default']))"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "kontor.settings",
            "KONTOR_VAR_DIR": str(tmp_path),
            "KONTOR_CACHE_URL": url,
        },
        capture_output=True,
        text=True,
        check=True,
    )
    cache = json.loads(result.stdout.strip().splitlines()[-1])
    assert cache["BACKEND"] == backend
    if url.startswith("redis"):
        assert cache["LOCATION"] == url
