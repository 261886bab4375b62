"""Login throttling with django-axes: after repeated failures an account, and
separately a client address, is locked for a cool-off time.

An address gets a higher limit than an account: a whole office may share one
address, and a few typos there must not lock everybody out."""

import math

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

# AXES_LOCKOUT_PARAMETERS in settings, in this order.
LOCKOUT_PARAMETERS = ["username", "ip_address"]


def _limits() -> list[int]:
    return [settings.KONTOR_LOGIN_FAILURE_LIMIT, settings.KONTOR_LOGIN_ADDRESS_FAILURE_LIMIT]


class LoginFailureHandler(AxesDatabaseHandler):
    """Axes' database handler with a limit of its own for each lockout
    parameter. Axes compares one number with one limit (AXES_FAILURE_LIMIT,
    which is the account limit); this reports the failures of each parameter
    scaled to that limit, so each parameter reaches it exactly at its own."""

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        account_limit = settings.KONTOR_LOGIN_FAILURE_LIMIT
        scaled = 0
        for attempts, limit in zip(
            self.get_user_attempts(request, credentials), _limits(), strict=False
        ):
            failures = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            scaled = max(scaled, failures * account_limit // max(1, limit))
        return scaled


def retry_after_seconds(request: HttpRequest | None = None) -> int:
    cool_off = get_cool_off(request)
    return max(1, math.ceil(cool_off.total_seconds())) if cool_off else 3600


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """What a locked-out login attempt gets (AXES_LOCKOUT_CALLABLE): 429 with
    Retry-After, as a page or, for API and script clients, as JSON."""
    retry_after = retry_after_seconds(request)
    minutes = math.ceil(retry_after / 60)
    detail = (
        "Too many failed login attempts. Login is locked for this account or address; "
        f"try again in {minutes} minutes."
    )
    wants_json = request.path.startswith("/api/") or "application/json" in request.headers.get(
        "Accept", ""
    )
    if wants_json:
        response: HttpResponse = JsonResponse({"detail": detail}, status=429)
    else:
        response = render(
            request,
            "accounts/locked_out.html",
            {"detail": detail, "minutes": minutes},
            status=429,
        )
    response["Retry-After"] = str(retry_after)
    return response
