"""Sends a session that still owes its second factor to the verification (or
setup) page before it may see anything else."""

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.functional import LazyObject

from kontor.accounts import two_factor

# The pages a session may open while it owes each step.
_PAGES = {
    two_factor.MUST_VERIFY: ("two-factor-verify",),
    two_factor.MUST_SET_UP: ("two-factor-setup", "two-factor-qr"),
}


def _open_prefixes() -> tuple[str, ...]:
    return (
        "/" + settings.STATIC_URL.lstrip("/"),
        "/i18n/",
        # The API answers 401 itself (kontor.api.auth); a redirect to an HTML
        # page would be no answer for an API client.
        "/api/",
    )


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if two_factor.is_pending(request):
            step = request.session[two_factor.SESSION_KEY]
            pages = _PAGES.get(step, _PAGES[two_factor.MUST_VERIFY])
            allowed = {reverse(name) for name in (*pages, "logout")}
            if request.path not in allowed and not request.path.startswith(_open_prefixes()):
                query = urlencode({"next": request.get_full_path()})
                return HttpResponseRedirect(f"{reverse(pages[0])}?{query}")
        return self.get_response(request)


class ResolvedUserMiddleware:
    """``request.user`` as the user itself rather than the lazy stand-in
    that authentication and the second factor's middleware put there: two
    proxies that every read of the user went through, and a page of search
    results reads it a thousand times or more (its access, its field
    categories); up to 5 ms of CPU per search (docs/performance.md)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        while isinstance(user, LazyObject):
            user.is_authenticated  # noqa: B018 - evaluates the stand-in
            user = user._wrapped
        if user is not None:
            request.user = user
        return self.get_response(request)
