"""Reads of a user's API tokens."""

import uuid
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from kontor.accounts.models import ApiToken


def api_tokens_of(user: AbstractBaseUser | AnonymousUser) -> QuerySet[ApiToken]:
    """The tokens a user owns, newest first; revoked and expired ones too, so
    the owner sees what existed."""
    if not user.is_authenticated:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def api_token_get(*, user: AbstractBaseUser | AnonymousUser, token_id: Any) -> ApiToken | None:
    try:
        pk = uuid.UUID(str(token_id))
    except ValueError:
        return None
    return api_tokens_of(user).filter(pk=pk).select_related("user").first()
