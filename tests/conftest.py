import json
import os
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from kontor.accounts.services import api_token_create
from tests.factories import UserFactory

# Property-based tests: enough examples to find edge cases, few enough that a
# run stays fast on a laptop. HYPOTHESIS_PROFILE=thorough for a deeper search.
hypothesis_settings.register_profile(
    "kontor", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.register_profile("thorough", max_examples=5000, deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "kontor"))


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _cheap_password_hashing(request, settings):
    """Argon2 is deliberately slow (about 0.1-0.7 s a hash here) and tests make
    hundreds of users; tests marked ``real_password_hashing`` keep it."""
    if "real_password_hashing" not in request.keywords:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def user(db):
    # An administrator (kontor.access): the tests written before access rules
    # expect to see and change everyone's records.
    return UserFactory(username="rep", roles=["administrator"])


@pytest.fixture
def admin_user(db):
    return UserFactory(username="boss", is_staff=True, is_superuser=True)


class ApiClient(Client):
    """A test client that sends JSON and a Bearer token."""

    def __init__(self, token: str | None = None, **kwargs: Any):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        super().__init__(headers=headers, **kwargs)

    def _json(self, method: str, path: str, data: Any = None, **kwargs: Any):
        body = json.dumps(data) if data is not None and not isinstance(data, str | bytes) else data
        return getattr(super(), method)(path, body, content_type="application/json", **kwargs)

    def post(self, path, data=None, **kwargs):  # type: ignore[override]
        return self._json("post", path, data, **kwargs)

    def patch(self, path, data=None, **kwargs):  # type: ignore[override]
        return self._json("patch", path, data, **kwargs)


def api_client_for(user) -> ApiClient:
    _token, key = api_token_create(actor=user, user=user, name="test")
    return ApiClient(key)


@pytest.fixture
def api(user) -> ApiClient:
    return api_client_for(user)
