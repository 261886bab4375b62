"""A request object for rendering API answers outside a request (the worker
sending webhooks): it carries the user the answer is for, and the host of
KONTOR_BASE_URL, so that absolute links in the answer point at Kontor."""

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest


def request_for(user: Any) -> HttpRequest:
    base = urlsplit(settings.KONTOR_BASE_URL)
    request = HttpRequest()
    request.method = "GET"
    request.path = request.path_info = "/"
    secure = base.scheme == "https"
    request.META = {
        "SERVER_NAME": base.hostname or "localhost",
        "SERVER_PORT": str(base.port or (443 if secure else 80)),
        "HTTP_HOST": base.netloc or "localhost",
        "wsgi.url_scheme": base.scheme or "http",
    }
    if secure:
        request.META["HTTPS"] = "on"
    request._get_scheme = lambda: base.scheme or "http"  # type: ignore[method-assign]
    # The configured address, not a client's Host header: no host check applies.
    request.get_host = lambda: base.netloc or "localhost"  # type: ignore[method-assign]
    request.user = user
    return request
