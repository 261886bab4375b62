"""API errors are JSON with a reason, also the ones Django answers before
Ninja sees the request (an unknown URL, a method an endpoint lacks)."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

API_PREFIX = "/api/"
_KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate", "X-Request-ID")


def _reason(request: HttpRequest, response: HttpResponse) -> str:
    if response.status_code == 404:
        return "Not found: no such API endpoint or record."
    if response.status_code == 405:
        return f"Method {request.method} is not allowed here; allowed: {response.get('Allow', '')}."
    return response.reason_phrase


class ApiJsonErrorsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and request.path.startswith(API_PREFIX)
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            replaced = JsonResponse(
                {"detail": _reason(request, response)}, status=response.status_code
            )
            for header in _KEPT_HEADERS:
                if header in response:
                    replaced[header] = response[header]
            return replaced
        return response
