"""API throttling in Django's cache, which every server process shares (a
database table by default, Redis with KONTOR_CACHE_URL):

- a rate limit per API token (``KONTOR_API_RATE_LIMIT``, e.g. "6000/minute"),
  counted in fixed windows;
- a limit on failed token authentications per client address
  (``KONTOR_API_TOKEN_FAILURE_LIMIT`` within ``KONTOR_LOGIN_COOLOFF_MINUTES``),
  against guessing and against a client stuck with a revoked token.

Both answer 429 with Retry-After. Counting is read-then-write: under heavy
concurrency a few requests more than the limit may pass, never fewer."""

import math
import time

from django.conf import settings
from django.core.cache import cache
from ninja.errors import HttpError


class Throttled(HttpError):
    """Too many requests; the client may try again after ``retry_after`` seconds."""

    def __init__(self, retry_after: int, detail: str):
        self.retry_after = max(1, int(retry_after))
        super().__init__(status_code=429, message=detail)


def check_token_rate(token_id: object) -> None:
    """Count one request of this token; raise Throttled past the limit."""
    rate = settings.KONTOR_API_RATE_LIMIT
    if rate is None:
        return
    now = time.time()
    window = int(now // rate.seconds)
    key = f"kontor:api-rate:{token_id}"
    stored = cache.get(key)
    count = stored[1] + 1 if isinstance(stored, tuple) and stored[0] == window else 1
    if count > rate.requests:
        retry_after = math.ceil((window + 1) * rate.seconds - now)
        raise Throttled(
            retry_after,
            f"Rate limit of {rate.requests} requests per {rate.seconds} s for this token "
            f"exceeded; try again in {max(1, retry_after)} s.",
        )
    cache.set(key, (window, count), timeout=rate.seconds + 1)


def _failure_key(client_address: str) -> str:
    return f"kontor:api-token-failures:{client_address}"


def _cool_off_seconds() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def check_token_failures(client_address: str) -> None:
    """Raise Throttled if this address failed too often lately."""
    stored = cache.get(_failure_key(client_address))
    if not isinstance(stored, tuple):
        return
    first_failure, count = stored
    if count >= settings.KONTOR_API_TOKEN_FAILURE_LIMIT:
        retry_after = math.ceil(first_failure + _cool_off_seconds() - time.time())
        if retry_after > 0:
            raise Throttled(
                retry_after,
                f"Too many failed authentications from your address; try again in {retry_after} s.",
            )


def record_token_failure(client_address: str) -> None:
    """Count a failed token authentication; raise Throttled at the limit."""
    key = _failure_key(client_address)
    now = time.time()
    cool_off = _cool_off_seconds()
    stored = cache.get(key)
    if isinstance(stored, tuple) and stored[0] + cool_off > now:
        first_failure, count = stored[0], stored[1] + 1
    else:
        first_failure, count = now, 1
    cache.set(key, (first_failure, count), timeout=cool_off)
    check_token_failures(client_address)
