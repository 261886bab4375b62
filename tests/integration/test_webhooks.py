"""Webhooks end to end: subscriptions through the API, events from the
outbox, deliveries received by a real HTTP server and verified with the
standardwebhooks library; retries, order per record, switching off, what
the owner may read, and refused private addresses."""

import datetime
import json

import pytest
from django.db import transaction
from django.utils import timezone
from standardwebhooks import Webhook

from kontor.contacts.services import contact_create, contact_delete, contact_update
from kontor.events.dispatch import dispatch_pending
from kontor.integration.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from kontor.integration.webhooks.sending import send_due
from kontor.notifications.models import Notification
from tests.conftest import api_client_for
from tests.factories import ContactFactory, UserFactory
from tests.integration.receiver import webhook_receiver

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_targets_allowed(settings):
    settings.KONTOR_WEBHOOKS_ALLOW_PRIVATE = True
    settings.KONTOR_WEBHOOK_TIMEOUT_SECONDS = 5


@pytest.fixture
def receiver():
    with webhook_receiver() as server:
        yield server


def subscribe(user, url: str, events=("contact.*",)) -> tuple[str, str]:
    response = api_client_for(user).post("/api/v1/webhooks", {"url": url, "events": list(events)})
    assert response.status_code == 201, response.content
    return response.json()["id"], response.json()["secret"]


def deliver(now=None) -> None:
    dispatch_pending()
    for pk in WebhookSubscription.objects.values_list("pk", flat=True):
        send_due(pk, now=now)


def verified(receiver, secret: str) -> list[dict]:
    hook = Webhook(secret)
    return [hook.verify(r.body, r.headers) for r in receiver.requests]


def test_a_change_reaches_the_receiver_signed_per_the_standard(user, receiver):
    webhook_id, secret = subscribe(user, receiver.url)
    assert secret.startswith("whsec_")
    contact = contact_create(actor=user, data={"first_name": "Ada", "emails": ["ada@x.example"]})
    deliver()
    (payload,) = verified(receiver, secret)
    assert payload["type"] == "contact.created"
    assert payload["data"]["id"] == str(contact.pk)
    assert payload["data"]["first_name"] == "Ada"
    [email] = payload["data"]["emails"]  # as the API answers it
    assert (email["address"], email["label"], email["bouncing"]) == ("ada@x.example", "work", False)
    assert set(payload) == {"id", "type", "timestamp", "data"}
    headers = receiver.requests[0].headers
    assert headers["webhook-signature"].startswith("v1,")
    delivery = WebhookDelivery.objects.get()
    assert headers["webhook-id"] == delivery.webhook_id
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.response_status == 200
    answer = api_client_for(user).get(f"/api/v1/webhooks/{webhook_id}/deliveries").json()
    assert answer["items"][0]["status"] == "delivered"
    assert answer["items"][0]["response_excerpt"] == "thanks"


def test_a_signature_made_with_another_secret_does_not_verify(user, receiver):
    subscribe(user, receiver.url)
    ContactFactory()
    deliver()
    from standardwebhooks import WebhookVerificationError

    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 32).verify(receiver.requests[0].body, receiver.requests[0].headers)


def test_a_rolled_back_change_sends_nothing(user, receiver):
    subscribe(user, receiver.url)
    with pytest.raises(RuntimeError), transaction.atomic():
        contact_create(actor=user, data={"first_name": "Never"})
        raise RuntimeError("rolled back")
    deliver()
    assert receiver.requests == []


def test_only_subscribed_events_are_sent(user, receiver):
    _id, secret = subscribe(user, receiver.url, events=["contact.deleted"])
    contact = ContactFactory()
    contact_update(actor=user, contact=contact, data={"notes": "changed"})
    pk = contact.pk
    contact_delete(actor=user, contact=contact)
    deliver()
    (payload,) = verified(receiver, secret)
    assert payload["type"] == "contact.deleted"
    assert payload["data"] == {"id": str(pk)}


def test_the_owner_hears_only_of_records_they_may_read(receiver):
    rep = UserFactory(roles=["sales"], teams=["North"])
    stranger = UserFactory(roles=["sales"], teams=["South"])
    _id, secret = subscribe(rep, receiver.url)
    mine = ContactFactory(owner=rep)
    theirs = ContactFactory(owner=stranger)
    contact_delete(actor=stranger, contact=theirs)
    deliver()
    payloads = verified(receiver, secret)
    assert [p["data"]["id"] for p in payloads] == [str(mine.pk)]
    assert str(theirs.pk) not in b"".join(r.body for r in receiver.requests).decode()
    # Nothing is kept about what was not sent.
    assert WebhookDelivery.objects.count() == 1


def test_fields_the_owner_may_not_read_are_left_out(receiver):
    reader = UserFactory(roles=["service"])
    admin = UserFactory(roles=["administrator"])
    from kontor.customfields.models import CustomFieldDefinition

    CustomFieldDefinition.objects.create(
        object_type="contact",
        key="credit_limit",
        label="Credit",
        field_type="text",
        category="financial",
    )
    _id, secret = subscribe(reader, receiver.url)
    contact_create(actor=admin, data={"first_name": "Rich", "custom": {"credit_limit": "900k"}})
    deliver()
    (payload,) = verified(receiver, secret)
    assert payload["data"]["first_name"] == "Rich"
    assert payload["data"]["custom"] == {}
    assert b"900k" not in receiver.requests[0].body


def test_a_failed_delivery_is_retried_with_the_same_id_and_body(user, receiver):
    subscribe(user, receiver.url)
    receiver.statuses = [503]
    ContactFactory()
    deliver()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert delivery.response_status == 503
    assert delivery.next_attempt_at > timezone.now()
    deliver()  # not due yet
    assert len(receiver.requests) == 1
    deliver(now=delivery.next_attempt_at + datetime.timedelta(seconds=1))
    first, second = receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.body == second.body
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 2


def test_a_records_events_arrive_in_order_while_others_go_on(user, receiver):
    _id, secret = subscribe(user, receiver.url)
    first = contact_create(actor=user, data={"first_name": "First"})
    receiver.statuses = [500]  # the first delivery (First created) fails
    contact_update(actor=user, contact=first, data={"last_name": "Later"})
    other = contact_create(actor=user, data={"first_name": "Other"})
    deliver()
    sent = [(p["type"], p["data"]["id"]) for p in verified(receiver, secret)]
    assert sent == [("contact.created", str(first.pk)), ("contact.created", str(other.pk))]
    later = timezone.now() + datetime.timedelta(minutes=5)
    deliver(now=later)
    sent = [(p["type"], p["data"]["id"]) for p in verified(receiver, secret)]
    assert sent[2:] == [("contact.created", str(first.pk)), ("contact.updated", str(first.pk))]


def test_redirects_are_not_followed(user, receiver):
    subscribe(user, receiver.url)
    receiver.statuses = [302]
    receiver.headers = {"Location": "http://169.254.169.254/latest/meta-data"}
    ContactFactory()
    deliver()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert "redirects are not followed" in delivery.error
    assert len(receiver.requests) == 1


def test_only_a_short_excerpt_of_the_answer_is_kept(user, receiver):
    subscribe(user, receiver.url)
    receiver.answer = b"x" * 100_000
    ContactFactory()
    deliver()
    assert len(WebhookDelivery.objects.get().response_excerpt) == 500


def test_a_subscription_failing_for_days_is_switched_off_and_its_owner_told(user, receiver):
    webhook_id, _secret = subscribe(user, receiver.url)
    receiver.statuses = [500] * 50
    ContactFactory()
    deliver()
    moment = timezone.now()
    for _ in range(40):
        delivery = WebhookDelivery.objects.get()
        if delivery.status != DeliveryStatus.PENDING:
            break
        moment = delivery.next_attempt_at + datetime.timedelta(seconds=1)
        deliver(now=moment)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert moment - delivery.created_at <= datetime.timedelta(days=3, minutes=1)
    subscription = WebhookSubscription.objects.get()
    assert not subscription.active and "failed since" in subscription.disabled_reason
    notice = Notification.objects.get(recipient=user)
    assert "switched off" in notice.message and notice.link == "/webhooks/"
    # Switched on again, it starts afresh.
    response = api_client_for(user).patch(f"/api/v1/webhooks/{webhook_id}", {"active": True})
    assert response.json()["active"] is True and response.json()["failing_since"] is None


def test_a_delivery_can_be_sent_again_with_the_same_id(user, receiver):
    webhook_id, _secret = subscribe(user, receiver.url)
    ContactFactory()
    deliver()
    delivery = WebhookDelivery.objects.get()
    client = api_client_for(user)
    url = f"/api/v1/webhooks/{webhook_id}/deliveries/{delivery.pk}/redeliver"
    response = client.post(url, {})
    assert response.status_code == 202 and response.json()["status"] == "pending"
    deliver()
    assert [r.headers["webhook-id"] for r in receiver.requests] == [delivery.webhook_id] * 2
    assert client.post(url.replace(str(delivery.pk), "nope"), {}).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://224.0.0.1/hook",
        "http://0.0.0.0/hook",
        "http://100.64.0.1/hook",
    ],
)
def test_private_and_reserved_targets_are_refused(user, settings, url):
    settings.KONTOR_WEBHOOKS_ALLOW_PRIVATE = False
    response = api_client_for(user).post("/api/v1/webhooks", {"url": url, "events": ["*"]})
    assert response.status_code == 422, response.content
    assert response.json()["detail"][0]["loc"] == ["body", "url"]
    assert "address" in response.json()["detail"][0]["msg"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://example.com/x", "events": ["*"]}, "url"),
        ({"url": "http://user:pw@127.0.0.1/x", "events": ["*"]}, "url"),
        ({"url": "http://127.0.0.1/x", "events": []}, "events"),
        ({"url": "http://127.0.0.1/x", "events": ["contact.exploded"]}, "events"),
    ],
)
def test_bad_subscriptions_are_refused_naming_the_field(user, body, field):
    response = api_client_for(user).post("/api/v1/webhooks", body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][1] == field


def test_the_address_is_checked_again_at_delivery(user, receiver, settings):
    subscribe(user, receiver.url)
    settings.KONTOR_WEBHOOKS_ALLOW_PRIVATE = False
    ContactFactory()
    deliver()
    assert receiver.requests == []
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert "loopback address" in delivery.error


def test_a_user_sees_and_changes_only_their_own_webhooks(user, receiver):
    rep = UserFactory(roles=["sales"])
    other = UserFactory(roles=["sales"])
    webhook_id, _secret = subscribe(rep, receiver.url)
    client = api_client_for(other)
    assert client.get(f"/api/v1/webhooks/{webhook_id}").status_code == 404
    assert client.get("/api/v1/webhooks").json()["items"] == []
    assert client.delete(f"/api/v1/webhooks/{webhook_id}").status_code == 404
    # Administrators see everyone's, without the secret.
    answer = api_client_for(user).get(f"/api/v1/webhooks/{webhook_id}").json()
    assert answer["owner_id"] == rep.pk and "secret" not in answer
    assert api_client_for(rep).delete(f"/api/v1/webhooks/{webhook_id}").status_code == 204


def test_the_event_catalogue_is_listed(user):
    names = {e["name"] for e in api_client_for(user).get("/api/v1/webhook-events").json()}
    assert {"contact.created", "call.started", "call.ended", "email.received"} <= names


def test_an_activity_event_carries_the_activity(user, receiver):
    from tests.factories import ActivityFactory

    _id, secret = subscribe(user, receiver.url, events=["activity.created"])
    activity = ActivityFactory(author=user, body="Called about the offer")
    deliver()
    (payload,) = verified(receiver, secret)
    assert payload["data"]["id"] == str(activity.pk)
    assert payload["data"]["body"] == "Called about the offer"
    assert json.loads(receiver.requests[0].body)["type"] == "activity.created"


def test_the_webhooks_page_shows_a_switched_off_webhook_and_switches_it_on(user, receiver):
    from django.test import Client

    webhook_id, _secret = subscribe(user, receiver.url)
    WebhookSubscription.objects.filter(pk=webhook_id).update(
        active=False, disabled_reason="Its deliveries have failed since yesterday."
    )
    browser = Client()
    browser.force_login(user)
    page = browser.get("/webhooks/").content.decode()
    assert receiver.url in page and "Its deliveries have failed since yesterday." in page
    assert browser.post(f"/webhooks/{webhook_id}/on/").status_code == 302
    assert WebhookSubscription.objects.get(pk=webhook_id).active
    other = Client()
    other.force_login(UserFactory(roles=["sales"]))
    assert receiver.url not in other.get("/webhooks/").content.decode()
    assert other.post(f"/webhooks/{webhook_id}/on/").status_code == 404
