"""A service refusing a write (kontor.core.exceptions.PermissionDenied) is a
403 page in the web interface, as it is a 403 answer in the API."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.views.defaults import permission_denied

from kontor.core.exceptions import PermissionDenied


class PermissionDeniedMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, PermissionDenied):
            return permission_denied(request, exception)
        return None
