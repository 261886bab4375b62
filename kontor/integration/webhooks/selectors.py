"""Reads of webhook subscriptions: a user sees their own; administrators
(who manage access) see everyone's."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Max, Min, Q, QuerySet

from kontor.access.grants import access_for
from kontor.core.ids import parse_uuid
from kontor.integration.models import WebhookDelivery, WebhookSubscription

User = AbstractBaseUser | AnonymousUser


def visible_subscriptions(user: User) -> QuerySet[WebhookSubscription]:
    if not user.is_authenticated or not user.is_active:
        return WebhookSubscription.objects.none()
    if access_for(user).manage_access:
        return WebhookSubscription.objects.all()
    return WebhookSubscription.objects.filter(owner_id=user.pk)


def subscription_get(*, user: User, subscription_id: Any) -> WebhookSubscription | None:
    pk = parse_uuid(subscription_id)
    if pk is None:
        return None
    return visible_subscriptions(user).select_related("owner").filter(pk=pk).first()


def subscription_deliveries(
    *, subscription: WebhookSubscription, status: str | None = None
) -> QuerySet[WebhookDelivery]:
    deliveries = WebhookDelivery.objects.filter(subscription=subscription)
    return deliveries.filter(status=status) if status else deliveries


def delivery_get(*, subscription: WebhookSubscription, delivery_id: Any) -> WebhookDelivery | None:
    pk = parse_uuid(delivery_id)
    if pk is None:
        return None
    return (
        WebhookDelivery.objects.select_related("subscription__owner")
        .filter(subscription=subscription, pk=pk)
        .first()
    )


def recipients_of(records: dict[str, list[str]]) -> list[dict[str, Any]]:
    """The webhooks that were sent any of ``records`` ({model label: [record
    ids]}), with how many deliveries and when: who received a person's data
    (``kontor.core.records.register_recipient_reader``)."""
    condition = Q()
    for model, ids in records.items():
        if ids:
            condition |= Q(model=model, record_id__in=[str(i) for i in ids])
    if not condition:
        return []
    rows = (
        WebhookDelivery.objects.filter(condition, delivered_at__isnull=False)
        .values("subscription_id", "subscription__url", "subscription__description")
        .annotate(count=Count("id"), first_at=Min("delivered_at"), last_at=Max("delivered_at"))
        .order_by("subscription__url", "subscription_id")
    )
    return [
        {
            "kind": "webhook",
            "name": row["subscription__url"],
            "description": row["subscription__description"],
            "count": row["count"],
            "first_at": row["first_at"],
            "last_at": row["last_at"],
        }
        for row in rows
    ]
