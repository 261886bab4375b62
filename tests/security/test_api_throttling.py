import contextlib
import threading
import uuid
from collections import Counter
from unittest.mock import Mock

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches

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


@pytest.fixture
def cache_elsewhere(settings):
    """A cache outside the database (Redis in production): the rate limit is
    counted by django-ratelimit in that cache."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    caches["default"].clear()


def test_a_request_the_cache_failed_to_count_is_counted_again_not_refused(
    user, api, settings, monkeypatch, cache_elsewhere
):
    """When the window's counter goes between django-ratelimit's add and its
    increment (the window ended), the cache could not count: the request is
    counted again, not answered with 429."""
    settings.KONTOR_API_RATE_LIMIT = Rate(3, 3600)
    cache = caches["default"]
    real_add = cache.add
    failures = iter([True])

    def add_failing_once(*args, **kwargs):
        if next(failures, False):
            return False
        return real_add(*args, **kwargs)

    monkeypatch.setattr(cache, "add", add_failing_once)

    statuses = [api.get("/api/v1/contacts").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429], "each request counted once"


def test_a_cache_that_cannot_count_at_all_refuses(
    user, api, settings, monkeypatch, cache_elsewhere
):
    settings.KONTOR_API_RATE_LIMIT = Rate(3, 3600)
    monkeypatch.setattr(caches["default"], "add", lambda *args, **kwargs: False)
    monkeypatch.setattr(caches["default"], "incr", Mock(side_effect=ValueError("gone")))

    assert api.get("/api/v1/contacts").status_code == 429


def test_the_limit_is_per_token(user, api, settings):
    settings.KONTOR_API_RATE_LIMIT = Rate(2, 3600)
    other = api_client_for(user)
    for _ in range(3):
        api.get("/api/v1/contacts")

    assert other.get("/api/v1/contacts").status_code == 200


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


def _burst(port: int, token: str, count: int) -> list[tuple[float, float, int, int | None]]:
    """``count`` requests at once, each on its own connection: (sent, answered,
    status, Retry-After) per request, by the clock of this machine."""
    import http.client
    import time
    from concurrent.futures import ThreadPoolExecutor

    start = threading.Barrier(50, timeout=60)

    def one(_n: int) -> tuple[float, float, int, int | None]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        conn.connect()
        with contextlib.suppress(threading.BrokenBarrierError):
            start.wait()  # the first fifty leave together
        sent = time.time()
        conn.request("GET", "/api/v1/tokens", headers={"Authorization": f"Bearer {token}"})
        response = conn.getresponse()
        response.read()
        conn.close()
        retry_after = response.getheader("Retry-After")
        return sent, time.time(), response.status, int(retry_after) if retry_after else None

    with ThreadPoolExecutor(max_workers=50) as pool:
        return list(pool.map(one, range(count)))


def _within_one_window(answers, seconds: int) -> bool:
    """Whether the whole burst fell into one counting window. Each 429 says
    when its window ends (Retry-After); a burst that straddles the end of a
    window is counted in two and proves nothing either way."""
    throttled = [(sent, answered, after) for sent, answered, _status, after in answers if after]
    if not throttled:
        return True
    first_sent = min(sent for sent, _answered, _status, _after in answers)
    last_answered = max(answered for _sent, answered, _status, _after in answers)
    ends_after = min(sent + after - 1 for sent, _answered, after in throttled)
    ends_before = max(answered + after for _sent, answered, after in throttled)
    return ends_after > last_answered and ends_before - seconds <= first_sent


@pytest.mark.parametrize("shared_cache", ["database", "redis"])
def test_200_requests_at_once_against_a_limit_of_100_let_exactly_100_through(
    request, tmp_path, shared_cache
):
    """`kontor serve` runs several worker processes with many threads; the
    count lives in the cache they share (the database by default, Redis with
    KONTOR_CACHE_URL) and is incremented atomically, so not one request more
    or less than the limit gets through."""
    from tests.core.scratch import free_port, kontor, scratch_database, start_server, stop_server

    cache_url = request.getfixturevalue("redis_url") if shared_cache == "redis" else ""
    with scratch_database(tmp_path, "rate", migrated=True) as url:
        kontor("start", "--no-serve", "--no-demo", url=url, var_dir=tmp_path)
        port = free_port()
        server = start_server(
            url,
            tmp_path,
            port,
            KONTOR_API_RATE_LIMIT="100/minute",
            KONTOR_CACHE_URL=cache_url,
            # The other database's run shares the Redis and counts tokens of
            # the same ids.
            KONTOR_CACHE_KEY_PREFIX=uuid.uuid4().hex,
        )
        try:
            # A fresh token is a fresh counter; a burst that happened to cross
            # the end of its token's window is repeated with another token.
            # (A burst that got no 429 at all is judged: that is the failure
            # this test is about.)
            for _attempt in range(6):
                token = kontor("createtoken", "admin", url=url, var_dir=tmp_path).stdout.strip()
                answers = _burst(port, token, 200)
                if _within_one_window(answers, 60):
                    break
        finally:
            stop_server(server)

    statuses = Counter(status for _sent, _answered, status, _after in answers)
    assert statuses == {200: 100, 429: 100}
    assert all(1 <= after <= 60 for *_times, status, after in answers if status == 429)


def _cache_settings(tmp_path, **env) -> dict:
    """settings.CACHES["default"] of a Kontor started with this environment."""
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
            "KONTOR_CACHE_KEY_PREFIX": "",
            **env,
        },
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("url", "backend"),
    [
        ("", "kontor.core.cache.DatabaseCache"),
        ("db://", "kontor.core.cache.DatabaseCache"),
        ("redis://cache.internal:6379/0", "django.core.cache.backends.redis.RedisCache"),
        ("locmem://", "django.core.cache.backends.locmem.LocMemCache"),
    ],
)
def test_the_shared_cache_is_chosen_by_kontor_cache_url(tmp_path, url, backend):
    cache = _cache_settings(tmp_path, KONTOR_CACHE_URL=url)
    assert cache["BACKEND"] == backend
    assert cache["KEY_PREFIX"] == ""
    if url.startswith("redis"):
        assert cache["LOCATION"] == url


def test_installations_sharing_one_redis_keep_their_keys_apart(tmp_path):
    """Two Kontors on one Redis database must not read each other's copies of
    tokens and access (keyed by ids that both have) or share rate counts:
    KONTOR_CACHE_KEY_PREFIX sets each one's prefix."""
    cache = _cache_settings(
        tmp_path, KONTOR_CACHE_URL="redis://cache.internal:6379/0", KONTOR_CACHE_KEY_PREFIX="crm-b"
    )
    assert cache["KEY_PREFIX"] == "crm-b"
