"""Writes of webhook subscriptions: a user's own (administrators manage
everyone's). The secret is made here, shown once and kept encrypted."""

import base64
import datetime
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kontor.access.grants import access_for
from kontor.audit.models import AuditAction
from kontor.audit.services import audit_record
from kontor.core.encryption import encrypt
from kontor.core.exceptions import FieldErrors, PermissionDenied
from kontor.events.catalogue import event_types
from kontor.events.models import OutboxEvent
from kontor.integration.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from kontor.integration.webhooks.addresses import UnsafeAddress, check_url

User = AbstractBaseUser | AnonymousUser

MAX_SUBSCRIPTIONS_PER_USER = 50
MAX_EVENTS = 200
SECRET_BYTES = 24
FIELDS = frozenset({"url", "events", "active", "description"})


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 24 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def matches(patterns: Iterable[str], name: str) -> bool:
    """Does a subscription to ``patterns`` want event ``name``? ``*`` is
    every event, ``contact.*`` every event of contacts."""
    for pattern in patterns:
        if pattern in ("*", name):
            return True
        if pattern.endswith(".*") and name.startswith(pattern[:-1]):
            return True
    return False


def _check_events(value: Any, errors: dict[str, list[str]]) -> list[str]:
    if not isinstance(value, list) or not value:
        errors["events"] = ['give a list of event names, e.g. ["contact.created"] or ["*"]']
        return []
    if len(value) > MAX_EVENTS:
        errors["events"] = [f"must have at most {MAX_EVENTS} entries"]
        return []
    known = set(event_types())
    prefixes = {name.split(".", 1)[0] for name in known}
    cleaned: list[str] = []
    for index, name in enumerate(value):
        ok = isinstance(name, str) and (
            name in known or name == "*" or (name.endswith(".*") and name[:-2] in prefixes)
        )
        if not ok:
            errors[f"events[{index}]"] = [
                f"is no known event (known: {', '.join(sorted(known))}, or type.* or *)"
            ]
        elif name not in cleaned:
            cleaned.append(name)
    return cleaned


def _validate(data: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(data) - FIELDS)
    for field in unknown:
        errors[field] = ["is not a field of a webhook subscription"]
    values: dict[str, Any] = {}
    if "url" in data or creating:
        try:
            values["url"] = check_url(data.get("url") or "")
        except UnsafeAddress as exc:
            errors["url"] = [str(exc)]
    if "events" in data or creating:
        values["events"] = _check_events(data.get("events"), errors)
    if "active" in data:
        if not isinstance(data["active"], bool):
            errors["active"] = ["must be true or false"]
        else:
            values["active"] = data["active"]
    if "description" in data:
        description = data["description"] or ""
        if not isinstance(description, str) or len(description) > 200:
            errors["description"] = ["must be a text of at most 200 characters"]
        else:
            values["description"] = description.strip()
    if errors:
        raise FieldErrors(errors)
    return values


def retry_window() -> datetime.timedelta:
    return datetime.timedelta(days=settings.KONTOR_WEBHOOK_RETRY_DAYS)


def may_manage(actor: User, subscription: WebhookSubscription) -> bool:
    return actor.is_authenticated and (
        subscription.owner_id == actor.pk or access_for(actor).manage_access
    )


def _require_user(actor: User) -> None:
    if not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied(_("Log in to manage webhooks."))


def subscription_create(*, actor: User, data: Mapping[str, Any]) -> tuple[WebhookSubscription, str]:
    """A subscription of ``actor``'s; returns it and its secret (shown once)."""
    _require_user(actor)
    values = _validate(data, creating=True)
    if WebhookSubscription.objects.filter(owner_id=actor.pk).count() >= MAX_SUBSCRIPTIONS_PER_USER:
        raise FieldErrors.single(
            "__all__", f"a user may have at most {MAX_SUBSCRIPTIONS_PER_USER} webhooks"
        )
    secret = new_secret()
    with transaction.atomic():
        subscription = WebhookSubscription.objects.create(
            owner=actor, secret_encrypted=encrypt(secret), **values
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            record=subscription,
            changes={key: [None, value] for key, value in values.items()},
        )
    return subscription, secret


def subscription_update(
    *, actor: User, subscription: WebhookSubscription, data: Mapping[str, Any]
) -> WebhookSubscription:
    """Change url, events, active, description. Switching a subscription on
    again forgets its failures and sends what waited."""
    if not may_manage(actor, subscription):
        raise PermissionDenied(_("This is not your webhook."))
    values = _validate(data, creating=False)
    changes = {
        key: [getattr(subscription, key), value]
        for key, value in values.items()
        if getattr(subscription, key) != value
    }
    if not changes:
        return subscription
    reactivated = values.get("active") is True and not subscription.active
    with transaction.atomic():
        for key, value in values.items():
            setattr(subscription, key, value)
        fields = [*values, "updated_at"]
        if reactivated:
            subscription.failing_since = None
            subscription.disabled_reason = ""
            fields += ["failing_since", "disabled_reason"]
        subscription.save(update_fields=fields)
        audit_record(actor=actor, action=AuditAction.UPDATE, record=subscription, changes=changes)
        if reactivated:
            _queue_sending(subscription)
    return subscription


def subscription_delete(*, actor: User, subscription: WebhookSubscription) -> None:
    if not may_manage(actor, subscription):
        raise PermissionDenied(_("This is not your webhook."))
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.DELETE,
            record=subscription,
            changes={"url": [subscription.url, None]},
        )
        subscription.delete()


def delivery_redeliver(*, actor: User, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again: the same message (``webhook-id`` and body),
    with a new retry window. A delivery still in flight is left alone."""
    subscription = delivery.subscription
    if not may_manage(actor, subscription):
        raise PermissionDenied(_("This is not your webhook."))
    if delivery.status in (DeliveryStatus.PENDING, DeliveryStatus.SENDING):
        raise FieldErrors.single("delivery", "is still being sent; wait for its next attempt")
    now = timezone.now()
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.PENDING,
            next_attempt_at=now,
            lease_until=None,
            give_up_at=now + retry_window(),
            error="",
            updated_at=now,
        )
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            record=subscription,
            changes={"redelivered": [None, str(delivery.pk)]},
        )
        _queue_sending(subscription)
    delivery.refresh_from_db()
    return delivery


def _queue_sending(subscription: WebhookSubscription) -> None:
    from kontor.integration.webhooks.tasks import queue_sending

    transaction.on_commit(lambda: queue_sending(subscription.pk), robust=True)


def delivery_for_record(
    *, actor: User, subscription: WebhookSubscription, event_name: str, record: Any
) -> WebhookDelivery:
    """One delivery of ``event_name`` about ``record`` to a subscription the
    actor manages (a workflow rule's webhook action, as its owner), sent by
    the worker like any other: same signature, retries and order per record."""
    if not may_manage(actor, subscription):
        raise PermissionDenied(_("This is not your webhook."))
    if event_name not in event_types():
        raise FieldErrors.single("event", f"{event_name!r} is no known event")
    if not subscription.active:
        raise FieldErrors.single("webhook_id", "is switched off")
    from uuid6 import uuid7

    now = timezone.now()
    event_id = uuid7()
    with transaction.atomic():
        delivery = WebhookDelivery.objects.create(
            subscription=subscription,
            event_id=event_id,
            event_name=event_name,
            model=record._meta.label,
            record_id=str(record.pk),
            record_key=f"{record._meta.label}:{record.pk}",
            occurred_at=now,
            # Between the outbox's events so far and the next ones.
            sequence=OutboxEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0,
            next_attempt_at=now,
            give_up_at=now + retry_window(),
        )
        _queue_sending(subscription)
    return delivery
