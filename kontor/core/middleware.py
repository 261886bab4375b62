"""Request logging: one line per request with a request id, method, path,
status and duration. The id comes from a trusted proxy's X-Request-ID or is
made here, is echoed in the response, and is attached to every log line
written while the request is served (kontor.core.logging)."""

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject, empty

from kontor.core.client_address import client_ip
from kontor.core.logging import request_id_var

logger = logging.getLogger("kontor.request")

REQUEST_ID_HEADER = "X-Request-ID"
# Ids from outside are kept only if they cannot smuggle anything into a log line.
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,64}$")


def _user_id(request: HttpRequest) -> int | None:
    """The user's id if the request already looked the user up (logging must
    not cost a session query of its own)."""
    user = getattr(request, "user", None)
    while isinstance(user, SimpleLazyObject):
        if user._wrapped is empty:
            return None
        user = user._wrapped
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.pk


def _request_id(request: HttpRequest) -> str:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    if _VALID_REQUEST_ID.match(incoming):
        return incoming
    return uuid.uuid4().hex


class RequestLogMiddleware:
    """Outermost middleware: it sees the final response of every request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = _request_id(request)
        request.request_id = request_id  # type: ignore[attr-defined]
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            response[REQUEST_ID_HEADER] = request_id
            return response
        finally:
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            user_id = _user_id(request)
            level = logging.ERROR if status >= 500 else logging.INFO
            logger.log(
                level,
                "%s %s %s %.1fms",
                request.method,
                request.path,
                status,
                duration_ms,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": status,
                    "duration_ms": duration_ms,
                    "user_id": user_id,
                    "client_ip": client_ip(request),
                },
            )
            request_id_var.reset(token)
