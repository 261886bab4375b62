"""API of webhook subscriptions and their deliveries."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router, Status
from pydantic import Field

from kontor.api.schemas import Schema, StrictSchema
from kontor.core.pagination import paginate
from kontor.events.catalogue import event_types
from kontor.integration.models import DeliveryStatus, WebhookDelivery
from kontor.integration.webhooks import selectors, services

router = Router(tags=["webhooks"])
NOT_FOUND = {"detail": "Not found."}
StatusName = Literal[tuple(DeliveryStatus.values)]  # type: ignore[valid-type]


class WebhookIn(StrictSchema):
    url: str = Field(max_length=2000, description="http(s) URL on a public address.")
    events: list[str] = Field(
        description='Event names ("contact.created"), a type\'s events ("contact.*") or "*".'
    )
    active: bool = True
    description: str = Field("", max_length=200)


class WebhookPatch(StrictSchema):
    url: str | None = Field(None, max_length=2000)
    events: list[str] | None = None
    active: bool | None = Field(None, description="true switches it on again after failures.")
    description: str | None = Field(None, max_length=200)


class WebhookOut(Schema):
    id: UUID
    url: str
    events: list[str]
    active: bool
    description: str
    owner_id: int
    failing_since: datetime | None
    disabled_reason: str = Field(description="Why Kontor switched it off, if it did.")
    created_at: datetime
    updated_at: datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(
        description="whsec_<base64>: verify the signatures with it. Shown only in this answer."
    )


class WebhookList(Schema):
    items: list[WebhookOut]
    next: str | None


class DeliveryOut(Schema):
    id: UUID
    webhook_id: str = Field(description="The webhook-id header; the same on every attempt.")
    event_id: UUID
    type: str
    status: str
    attempts: int
    response_status: int | None
    response_excerpt: str = Field(description="The start of the receiver's answer.")
    error: str
    created_at: datetime
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None = Field(description="While pending: the next attempt.")
    delivered_at: datetime | None

    @staticmethod
    def resolve_type(obj: WebhookDelivery) -> str:
        return obj.event_name

    @staticmethod
    def resolve_next_attempt_at(obj: WebhookDelivery) -> datetime | None:
        return obj.next_attempt_at if obj.status == DeliveryStatus.PENDING else None


class DeliveryList(Schema):
    items: list[DeliveryOut]
    next: str | None


class EventTypeOut(Schema):
    name: str
    description: str


class PageParams(Schema):
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = Field(None, max_length=500)


class DeliveryParams(PageParams):
    status: StatusName | None = None


@router.get("/webhook-events", response=list[EventTypeOut])
def list_event_types(request: HttpRequest):
    """The events a webhook may subscribe to."""
    return [
        {"name": name, "description": str(kind.description)}
        for name, kind in sorted(event_types().items())
    ]


@router.get("/webhooks", response=WebhookList)
def list_webhooks(request: HttpRequest, params: Query[PageParams]):
    """Your webhooks (administrators: everyone's), newest first."""
    return paginate(
        selectors.visible_subscriptions(request.user),
        order=("-created_at", "-id"),
        limit=params.limit,
        cursor=params.cursor,
    )


@router.post("/webhooks", response={201: WebhookCreated})
def create_webhook(request: HttpRequest, payload: WebhookIn):
    """Subscribe a URL to events. The answer holds the secret, once."""
    subscription, secret = services.subscription_create(
        actor=request.user, data=payload.model_dump()
    )
    return Status(201, {**WebhookOut.from_orm(subscription).model_dump(), "secret": secret})


@router.get("/webhooks/{webhook_id}", response={200: WebhookOut, 404: dict})
def get_webhook(request: HttpRequest, webhook_id: str):
    subscription = selectors.subscription_get(user=request.user, subscription_id=webhook_id)
    if subscription is None:
        return Status(404, NOT_FOUND)
    return subscription


@router.patch("/webhooks/{webhook_id}", response={200: WebhookOut, 404: dict})
def update_webhook(request: HttpRequest, webhook_id: str, payload: WebhookPatch):
    subscription = selectors.subscription_get(user=request.user, subscription_id=webhook_id)
    if subscription is None:
        return Status(404, NOT_FOUND)
    return services.subscription_update(
        actor=request.user, subscription=subscription, data=payload.model_dump(exclude_unset=True)
    )


@router.delete("/webhooks/{webhook_id}", response={204: None, 404: dict})
def delete_webhook(request: HttpRequest, webhook_id: str):
    subscription = selectors.subscription_get(user=request.user, subscription_id=webhook_id)
    if subscription is None:
        return Status(404, NOT_FOUND)
    services.subscription_delete(actor=request.user, subscription=subscription)
    return Status(204, None)


@router.get("/webhooks/{webhook_id}/deliveries", response={200: DeliveryList, 404: dict})
def list_deliveries(request: HttpRequest, webhook_id: str, params: Query[DeliveryParams]):
    """The webhook's deliveries, newest first."""
    subscription = selectors.subscription_get(user=request.user, subscription_id=webhook_id)
    if subscription is None:
        return Status(404, NOT_FOUND)
    return paginate(
        selectors.subscription_deliveries(subscription=subscription, status=params.status),
        order=("-created_at", "-id"),
        limit=params.limit,
        cursor=params.cursor,
    )


@router.post(
    "/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver",
    response={202: DeliveryOut, 404: dict},
)
def redeliver(request: HttpRequest, webhook_id: str, delivery_id: str):
    """Send a delivered or failed delivery again: the same webhook-id and body."""
    subscription = selectors.subscription_get(user=request.user, subscription_id=webhook_id)
    delivery = (
        selectors.delivery_get(subscription=subscription, delivery_id=delivery_id)
        if subscription
        else None
    )
    if delivery is None:
        return Status(404, NOT_FOUND)
    return Status(202, services.delivery_redeliver(actor=request.user, delivery=delivery))
