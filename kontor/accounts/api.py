"""API of the caller's own API tokens: list, make (the secret is in the answer,
once) and revoke."""

from datetime import datetime
from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router, Status
from pydantic import Field

from kontor.accounts import selectors, services
from kontor.api.fields import Cursor, IsoDateTime
from kontor.api.schemas import Schema, StrictSchema
from kontor.core.exceptions import PermissionDenied
from kontor.core.pagination import paginate

router = Router(tags=["tokens"])


class TokenOut(Schema):
    id: UUID
    name: str
    prefix: str = Field(description="The first characters of the token, to tell tokens apart.")
    created_at: datetime
    last_used_at: datetime | None = Field(description="To the minute.")
    expires_at: datetime | None
    revoked_at: datetime | None


class TokenList(Schema):
    items: list[TokenOut]
    next: str | None = Field(description="Cursor of the next page, or null on the last page.")


class TokenIn(StrictSchema):
    name: str = Field("", max_length=100, description="What the token is for.")
    expires_at: IsoDateTime | None = Field(
        None, description="When the token stops working; never if null."
    )


class TokenCreated(Schema):
    token: TokenOut
    secret: str = Field(description="The token itself. It is shown only in this answer.")


class TokenListParams(Schema):
    limit: int = Field(50, ge=1, le=200)
    cursor: Cursor | None = None


@router.get("/tokens", response=TokenList)
def list_tokens(request: HttpRequest, params: Query[TokenListParams]):
    """Your API tokens, newest first, revoked and expired ones included."""
    return paginate(
        selectors.api_tokens_of(request.user),
        order=("-created_at", "-id"),
        limit=params.limit,
        cursor=params.cursor,
    )


@router.post("/tokens", response={201: TokenCreated})
def create_token(request: HttpRequest, payload: TokenIn):
    """Make a token for yourself. Only from a logged-in browser session: a
    token that could make tokens would outlive its own revocation."""
    if getattr(request, "api_token", None) is not None:
        raise PermissionDenied(
            "API tokens can be made only when logged in (page /accounts/tokens/), "
            "not with another API token."
        )
    token, secret = services.api_token_create(
        actor=request.user, user=request.user, name=payload.name, expires_at=payload.expires_at
    )
    return Status(201, {"token": token, "secret": secret})


@router.delete("/tokens/{token_id}", response={204: None, 404: dict})
def revoke_token(request: HttpRequest, token_id: UUID):
    """Revoke one of your tokens at once (also the one you are using)."""
    token = selectors.api_token_get(user=request.user, token_id=token_id)
    if token is None:
        return Status(404, {"detail": "Not found."})
    services.api_token_revoke(actor=request.user, token=token)
    return Status(204, None)
