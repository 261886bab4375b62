"""How a phone system proves who it is. Any one of:

- ``Authorization: Bearer <token>`` of the integration's user;
- ``X-Kontor-Signature: sha256=<hex>``, the HMAC-SHA256 of the raw request
  body with the integration's secret (optionally naming the integration in
  ``X-Kontor-Integration: <id>``);
- ``?token=<secret>`` in the URL, for systems that can neither sign nor send
  headers (sipgate.io push, 3CX lookups). Use it over HTTPS only.

Wrong secrets count against the client address's failure limit, like wrong
API tokens."""

import hashlib
import hmac
import uuid

from django.http import HttpRequest
from ninja.security import APIKeyHeader, APIKeyQuery

from kontor.api.auth import BearerToken
from kontor.api.throttling import check_token_failures, record_token_failure
from kontor.core.encryption import InvalidToken, decrypt
from kontor.core.exceptions import PermissionDenied
from kontor.telephony.models import PhoneIntegration

MAX_SIGNED_INTEGRATIONS = 50


def _integrations():
    return PhoneIntegration.objects.filter(is_active=True, user__is_active=True).select_related(
        "user"
    )


def _accept(request: HttpRequest, integration: PhoneIntegration) -> PhoneIntegration:
    request.user = integration.user
    request.integration = integration  # type: ignore[attr-defined]
    return integration


def _secret(integration: PhoneIntegration) -> str | None:
    try:
        return decrypt(integration.secret_encrypted)
    except InvalidToken:  # encrypted with a key no longer configured
        return None


class IntegrationToken(BearerToken):
    """The API token of an integration's user."""

    def authenticate(self, request: HttpRequest, token: str):
        user = super().authenticate(request, token)
        if user is None:
            return None
        integration = _integrations().filter(user=user).order_by("created_at").first()
        if integration is None:
            raise PermissionDenied(
                "This token's user is no phone system's user; connect the phone system "
                "in the admin (Phone systems) first."
            )
        return _accept(request, integration)


class IntegrationSignature(APIKeyHeader):
    """An HMAC-SHA256 signature of the raw body."""

    param_name = "X-Kontor-Signature"

    def authenticate(self, request: HttpRequest, key: str | None):
        if not key:
            return None
        check_token_failures(request)
        signature = key.strip().lower().removeprefix("sha256=")
        candidates = _integrations()
        named = request.headers.get("X-Kontor-Integration", "").strip()
        if named:
            try:
                candidates = candidates.filter(pk=uuid.UUID(named))
            except ValueError:
                candidates = candidates.none()
        body = request.body
        for integration in candidates[:MAX_SIGNED_INTEGRATIONS]:
            secret = _secret(integration)
            if secret is None:
                continue
            expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
            if hmac.compare_digest(expected, signature):
                return _accept(request, integration)
        record_token_failure(request)
        return None


class IntegrationUrlToken(APIKeyQuery):
    """The integration's secret in the URL's ``token`` parameter."""

    param_name = "token"

    def authenticate(self, request: HttpRequest, key: str | None):
        if not key:
            return None
        check_token_failures(request)
        digest = hashlib.sha256(key.strip().encode()).hexdigest()
        integration = _integrations().filter(secret_hash=digest).first()
        if integration is None:
            record_token_failure(request)
            return None
        return _accept(request, integration)


integration_auth = [IntegrationToken(), IntegrationSignature(), IntegrationUrlToken()]
