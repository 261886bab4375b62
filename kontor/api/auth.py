"""API authentication: a Bearer token or the browser's session (with CSRF).

A token request counts against the token's rate limit; a wrong token counts
against the client address's failure limit (kontor.api.throttling)."""

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from kontor.accounts import two_factor
from kontor.accounts.services import api_token_find
from kontor.api.throttling import check_token_rate, record_token_failure


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        api_token = api_token_find(token)
        if api_token is None:
            record_token_failure(request)
            return None
        check_token_rate(request, api_token.pk)
        request.user = api_token.user
        request.api_token = api_token  # type: ignore[attr-defined]
        return api_token.user


class ActiveSession(SessionAuth):
    def authenticate(self, request: HttpRequest, key: str | None):
        user = super().authenticate(request, key)
        if user is None or not user.is_active or two_factor.is_pending(request):
            return None
        return user


api_auth = [BearerToken(), ActiveSession()]
