"""Sending a subscription's deliveries, in order per record.

``send_due`` walks the subscription's undone deliveries by their event's
order. A delivery is sent when it is due and no earlier delivery of the same
record is still undone; it is claimed with a lease first (a conditional
UPDATE, so two workers never send it at once), then rendered for the
subscription's owner (once: later attempts send the same body), signed per
the Standard Webhooks specification and POSTed. A worker killed in the
middle leaves the lease to run out: the delivery is sent again later, with
the same ``webhook-id``."""

import datetime
import json
import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from standardwebhooks import Webhook

from kontor.access.policy import is_processable, may_read_owned
from kontor.core.encryption import decrypt
from kontor.events.catalogue import event_type, render
from kontor.integration.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from kontor.integration.webhooks import addresses
from kontor.notifications.services import notify

logger = logging.getLogger(__name__)

UNDONE = (DeliveryStatus.PENDING, DeliveryStatus.SENDING)
CHUNK = 200
FIRST_RETRY_SECONDS = 30
MAX_RETRY_WAIT = datetime.timedelta(hours=6)
USER_AGENT = "Kontor-Webhooks/1"


def lease() -> datetime.timedelta:
    """How long a delivery in flight is held: the answer's timeout, and as
    long again as a worker may go unheard of before its jobs are taken back."""
    return datetime.timedelta(
        seconds=settings.KONTOR_WEBHOOK_TIMEOUT_SECONDS + settings.KONTOR_WORKER_LEASE_SECONDS
    )


def retry_wait(attempts: int) -> datetime.timedelta:
    """Doubling from 30 seconds after the first failure, at most six hours."""
    wait = datetime.timedelta(seconds=FIRST_RETRY_SECONDS * 2 ** max(0, attempts - 1))
    return min(wait, MAX_RETRY_WAIT)


def _is_due(delivery: WebhookDelivery, now: datetime.datetime) -> bool:
    if delivery.status == DeliveryStatus.PENDING:
        return delivery.next_attempt_at <= now
    return delivery.lease_until is not None and delivery.lease_until <= now


def _claim(delivery: WebhookDelivery, now: datetime.datetime) -> bool:
    due = Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now) | Q(
        status=DeliveryStatus.SENDING, lease_until__lte=now
    )
    claimed = WebhookDelivery.objects.filter(due, pk=delivery.pk).update(
        status=DeliveryStatus.SENDING,
        lease_until=now + lease(),
        attempts=delivery.attempts + 1,
        last_attempt_at=now,
        updated_at=now,
    )
    if claimed:
        delivery.status = DeliveryStatus.SENDING
        delivery.attempts += 1
        delivery.last_attempt_at = now
    return bool(claimed)


def _data(delivery: WebhookDelivery, owner: Any) -> dict[str, Any] | None:
    """The event's data as the owner may read it now; None: not for them."""
    kind = event_type(delivery.event_name)
    if delivery.event_name.endswith(".deleted"):
        if kind.record_type and not may_read_owned(owner, kind.record_type, delivery.owners):
            return None
        return {"id": delivery.record_id}
    from django.apps import apps

    row = apps.get_model(delivery.model).objects.filter(pk=delivery.record_id).first()
    if row is None:  # gone since; its deleted event tells the rest
        return None
    if not is_processable(row):  # its person's processing is restricted (GDPR Art. 18)
        return None
    return render(delivery.event_name, row, owner)


def body_of(delivery: WebhookDelivery, owner: Any) -> str | None:
    data = _data(delivery, owner)
    if data is None:
        return None
    return json.dumps(
        {
            "id": str(delivery.event_id),
            "type": delivery.event_name,
            "timestamp": delivery.occurred_at.isoformat(),
            "data": data,
        },
        separators=(",", ":"),
        ensure_ascii=False,
    )


def signed_headers(subscription: WebhookSubscription, delivery: WebhookDelivery, body: str):
    now = timezone.now()
    signature = Webhook(decrypt(subscription.secret_encrypted)).sign(
        delivery.webhook_id, now, body.encode()
    )
    return {
        "webhook-id": delivery.webhook_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
    }


def attempt(
    subscription: WebhookSubscription,
    delivery: WebhookDelivery,
    now: datetime.datetime | None = None,
) -> bool:
    """Send a claimed delivery once and record how it went (at ``now``);
    True if the receiver took it (or there was nothing to send)."""
    if not delivery.payload:
        body = body_of(delivery, subscription.owner)
        if body is None:
            # The owner may not read it (or it is gone): nothing is sent, and
            # nothing about it is kept.
            WebhookDelivery.objects.filter(pk=delivery.pk).delete()
            return True
        delivery.payload = body
        WebhookDelivery.objects.filter(pk=delivery.pk).update(payload=body)
    error, status, excerpt = "", None, ""
    try:
        answer = addresses.post(
            subscription.url,
            delivery.payload.encode(),
            signed_headers(subscription, delivery, delivery.payload),
        )
        status, excerpt = answer.status, answer.excerpt
        if not 200 <= answer.status < 300:
            error = f"the receiver answered {answer.status}"
            if 300 <= answer.status < 400:
                error += " (a redirect; redirects are not followed)"
    except addresses.UnsafeAddress as exc:
        error = f"the URL {exc}"
    except Exception as exc:  # connection refused, timeout, TLS, …
        error = f"{type(exc).__name__}: {exc}"[:500]
    _record(
        subscription, delivery, now or timezone.now(), error=error, status=status, excerpt=excerpt
    )
    return not error


def _record(
    subscription: WebhookSubscription,
    delivery: WebhookDelivery,
    now: datetime.datetime,
    *,
    error: str,
    status: int | None,
    excerpt: str,
) -> None:
    values: dict[str, Any] = {
        "response_status": status,
        "response_excerpt": excerpt[: addresses.EXCERPT_BYTES],
        "error": error[:500],
        "lease_until": None,
        "updated_at": now,
    }
    with transaction.atomic():
        if not error:
            values.update(status=DeliveryStatus.DELIVERED, delivered_at=now)
            WebhookDelivery.objects.filter(pk=delivery.pk).update(**values)
            WebhookSubscription.objects.filter(pk=subscription.pk).exclude(
                failing_since=None
            ).update(failing_since=None)
            return
        next_attempt = now + retry_wait(delivery.attempts)
        if next_attempt > delivery.give_up_at:
            values["status"] = DeliveryStatus.FAILED
        else:
            values.update(status=DeliveryStatus.PENDING, next_attempt_at=next_attempt)
        WebhookDelivery.objects.filter(pk=delivery.pk).update(**values)
        _note_failure(subscription, now, error, gave_up=values["status"] == DeliveryStatus.FAILED)


def _note_failure(
    subscription: WebhookSubscription, now: datetime.datetime, error: str, *, gave_up: bool
) -> None:
    """Remember when the failures began; after KONTOR_WEBHOOK_RETRY_DAYS of
    them (or when a delivery is given up after its retries, which take as
    long) the subscription is switched off and its owner told."""
    WebhookSubscription.objects.filter(pk=subscription.pk, failing_since=None).update(
        failing_since=now
    )
    subscription.refresh_from_db(fields=["failing_since", "active"])
    window = datetime.timedelta(days=settings.KONTOR_WEBHOOK_RETRY_DAYS)
    if not subscription.active or (not gave_up and subscription.failing_since > now - window):
        return
    reason = _("Its deliveries have failed since %(since)s (last: %(error)s).") % {
        "since": subscription.failing_since.strftime("%Y-%m-%d %H:%M UTC"),
        "error": error[:200],
    }
    switched = WebhookSubscription.objects.filter(pk=subscription.pk, active=True).update(
        active=False, disabled_reason=reason[:500], updated_at=now
    )
    if switched:
        subscription.active = False
        logger.warning("webhook %s switched off: %s", subscription.pk, reason)
        notify(
            recipient=subscription.owner,
            message=_(
                "Your webhook to %(url)s was switched off. %(reason)s Fix the receiver, "
                "then switch the webhook on again; what waited is sent then."
            )
            % {"url": subscription.url[:200], "reason": reason},
            link="/webhooks/",
        )


def send_due(subscription_id: Any, now: datetime.datetime | None = None) -> int:
    """Send what is due of one subscription; returns how many were tried."""
    subscription = (
        WebhookSubscription.objects.select_related("owner").filter(pk=subscription_id).first()
    )
    if subscription is None or not subscription.active:
        return 0
    tried = 0
    waiting: set[str] = set()  # records with an earlier delivery not done
    after = -1
    while subscription.active:
        chunk = list(
            WebhookDelivery.objects.filter(
                subscription=subscription, status__in=UNDONE, sequence__gt=after
            ).order_by("sequence")[:CHUNK]
        )
        if not chunk:
            break
        for delivery in chunk:
            after = delivery.sequence
            if delivery.record_key in waiting:
                continue
            moment = now or timezone.now()
            if not _is_due(delivery, moment) or not _claim(delivery, moment):
                waiting.add(delivery.record_key)
                continue
            tried += 1
            if not attempt(subscription, delivery, moment):
                waiting.add(delivery.record_key)
            if not subscription.active:
                break
    return tried


def next_due(subscription_id: Any) -> datetime.datetime | None:
    """When the subscription's next undone delivery may be tried: a retry's
    time, or when a lease runs out."""
    undone = WebhookDelivery.objects.filter(
        subscription_id=subscription_id, subscription__active=True
    )
    times = [
        undone.filter(status=DeliveryStatus.PENDING).aggregate(at=Min("next_attempt_at"))["at"],
        undone.filter(status=DeliveryStatus.SENDING).aggregate(at=Min("lease_until"))["at"],
    ]
    return min((t for t in times if t is not None), default=None)


def subscriptions_with_due_deliveries(now: datetime.datetime | None = None) -> list[Any]:
    now = now or timezone.now()
    due = Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now) | Q(
        status=DeliveryStatus.SENDING, lease_until__lte=now
    )
    return list(
        WebhookDelivery.objects.filter(due, subscription__active=True)
        .values_list("subscription_id", flat=True)
        .distinct()
        .order_by()
    )
