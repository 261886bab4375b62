"""Middleware of access: a logged-in user's ``Access`` comes from the shared
cache; a service refusing a write is a 403 page."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.views.defaults import permission_denied

from kontor.access.shared_access import load_shared_access
from kontor.core.exceptions import PermissionDenied


class SharedAccessMiddleware:
    """The session's user gets their ``Access`` from the shared cache before
    the view asks for it (kontor.access.shared_access), so a page reads no
    roles, teams or field categories while nothing about access changed."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            load_shared_access(user)
        return self.get_response(request)


class PermissionDeniedMiddleware:
    """A service refusing a write (kontor.core.exceptions.PermissionDenied) is
    a 403 page in the web interface, as it is a 403 answer in the API."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, PermissionDenied):
            return permission_denied(request, exception)
        return None
