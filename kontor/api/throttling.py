"""API throttling in Django's cache, which every server process shares (a
database table by default, Redis with KONTOR_CACHE_URL):

- a rate limit per API token (``KONTOR_API_RATE_LIMIT``, e.g. "6000/minute"),
  counted in fixed windows;
- a limit on failed token authentications per client address
  (``KONTOR_API_TOKEN_FAILURE_LIMIT`` within a window of
  ``KONTOR_LOGIN_COOLOFF_MINUTES``), against guessing and against a client
  stuck with a revoked token.

Both answer 429 with Retry-After (the seconds until the window ends). With
the cache in the database the count is one statement on a table of its own
(kontor.core.counters); with Redis it is django-ratelimit's, which adds the
window's counter and increments it (``INCR``). Both count atomically, so N
requests at once against a limit of L let exactly L through, whichever
server processes they reach."""

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage
from ninja.errors import HttpError

from kontor.core.cache import is_database_cache
from kontor.core.client_address import client_ip
from kontor.core.counters import count_in_window

# django-ratelimit groups: the names its counters are kept under.
RATE_GROUP = "kontor.api.token-rate"
FAILURE_GROUP = "kontor.api.token-failures"
# How often a request is counted again when the cache did not count it.
COUNT_ATTEMPTS = 3


class Throttled(HttpError):
    """Too many requests; the client may try again after ``retry_after`` seconds."""

    def __init__(self, retry_after: int, detail: str):
        self.retry_after = max(1, int(retry_after))
        super().__init__(status_code=429, message=detail)


def _count(
    request: HttpRequest, *, group: str, key: str, requests: int, seconds: int, increment: bool
) -> tuple[int, int]:
    """This window's count for ``key`` (after counting this request, if
    ``increment``) and the seconds until the window ends."""
    if is_database_cache(settings.CACHES["default"]):
        return count_in_window(f"{group}:{key}", seconds, increment=increment)
    for _attempt in range(COUNT_ATTEMPTS):
        usage = get_usage(
            request,
            group=group,
            key=lambda _group, _request: key,
            rate=(requests, seconds),
            increment=increment,
        )
        if usage is None:  # django-ratelimit switched off (RATELIMIT_ENABLE)
            return 0, 0
        if usage["time_left"] >= 0:
            return usage["count"], usage["time_left"]
        # The cache could not count this time: the counter went between add
        # and incr (its window ended). Nothing was counted, so counting again is
        # exact.
    # The cache cannot count at all: refuse rather than let everything through.
    return requests + 1, 1


def check_token_rate(request: HttpRequest, token_id: object) -> None:
    """Count one request of this token; raise Throttled past the limit."""
    rate = settings.KONTOR_API_RATE_LIMIT
    if rate is None:
        return
    count, retry_after = _count(
        request,
        group=RATE_GROUP,
        key=str(token_id),
        requests=rate.requests,
        seconds=rate.seconds,
        increment=True,
    )
    if count > rate.requests:
        raise Throttled(
            retry_after,
            f"Rate limit of {rate.requests} requests per {rate.seconds} s for this token "
            f"exceeded; try again in {max(1, retry_after)} s.",
        )


def _failures(request: HttpRequest, *, increment: bool) -> tuple[int, int]:
    return _count(
        request,
        group=FAILURE_GROUP,
        key=client_ip(request),
        requests=settings.KONTOR_API_TOKEN_FAILURE_LIMIT,
        seconds=int(settings.AXES_COOLOFF_TIME.total_seconds()),
        increment=increment,
    )


def _raise_at_failure_limit(count: int, retry_after: int) -> None:
    if count >= settings.KONTOR_API_TOKEN_FAILURE_LIMIT:
        raise Throttled(
            retry_after,
            "Too many failed authentications from your address; try again in "
            f"{max(1, retry_after)} s.",
        )


def check_token_failures(request: HttpRequest) -> None:
    """Raise Throttled if the request's client address failed too often lately."""
    _raise_at_failure_limit(*_failures(request, increment=False))


def record_token_failure(request: HttpRequest) -> None:
    """Count a failed token authentication; raise Throttled at the limit."""
    _raise_at_failure_limit(*_failures(request, increment=True))
