"""A person with one of everything Kontor holds about people, made through
the domains' services, for the data protection tests."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.utils import timezone
from uuid6 import uuid7

from kontor.activities.services import activity_create
from kontor.consent.models import Purpose
from kontor.consent.services import consent_record
from kontor.contacts.services import contact_create
from kontor.customfields.models import CustomFieldDefinition
from kontor.files.services import attachment_create
from kontor.integration.email.services import email_send
from kontor.integration.models import WebhookDelivery
from kontor.integration.webhooks.services import subscription_create
from kontor.mail.models import Source
from kontor.mail.services import message_ingest
from kontor.sales import services as sales
from kontor.telephony.services import CallEventData, call_event_receive, phone_integration_create
from tests.factories import UserFactory


@dataclass
class Person:
    contact: Any
    note: Any
    email_activity: Any
    message: Any
    sent: Any
    call: Any
    attachment: Any
    deal: Any
    quote: Any
    order: Any
    invoice: Any
    raw: bytes
    file_bytes: bytes
    consent: Any
    marker: str
    email: str
    phone: str


def make_person(admin: Any, marker: str, *, phone: str, with_webhook: bool = False) -> Person:
    email = f"{marker.lower()}@{marker.lower()}.example"
    CustomFieldDefinition.objects.get_or_create(
        object_type="contact",
        key="shoe_size",
        defaults={"label": "Shoe size", "field_type": "text", "category": "personal"},
    )
    contact = contact_create(
        actor=admin,
        data={
            "first_name": marker,
            "last_name": "Person",
            "emails": [{"address": email}],
            "phones": [{"number": phone}],
            "notes": f"{marker} notes",
            "custom": {"shoe_size": f"{marker}-44"},
        },
    )
    note = activity_create(
        actor=admin,
        data={"kind": "note", "body": f"{marker} note body", "contact_id": contact.pk},
    )
    raw = (
        f"From: {marker} Person <{email}>\r\nTo: sales@company.example\r\n"
        f"Subject: {marker} asks\r\nMessage-ID: <{marker}@mail.example>\r\n\r\n"
        f"{marker} email text\r\n"
    ).encode()
    message = message_ingest(actor=admin, raw=raw, source=Source.API).message
    message.refresh_from_db()
    pbx = UserFactory(username=f"pbx-{marker.lower()}", roles=["service"])
    integration, _secret = phone_integration_create(actor=admin, name=f"PBX {marker}", user=pbx)
    call = call_event_receive(
        integration=integration,
        data=CallEventData(
            event="ringing", call_id=f"call-{marker}", from_number=phone, to_number="030 9999999"
        ),
        request=RequestFactory().get("/"),
    ).call
    file_bytes = f"{marker} file content".encode()
    attachment = attachment_create(
        actor=admin, upload=SimpleUploadedFile(f"{marker}.txt", file_bytes), contact=contact
    )
    product = sales.product_create(
        actor=admin,
        data={"sku": f"SKU-{marker}", "name": "Widget", "net_price": "10", "tax_rate": "19"},
    )
    deal = sales.deal_create(
        actor=admin, data={"title": f"{marker} deal", "contact_id": contact.pk, "amount": "100"}
    )
    quote = sales.quote_create(
        actor=admin,
        data={"deal_id": deal.pk, "contact_id": contact.pk,
              "lines": [{"product_id": product.pk, "quantity": "2"}]},
    )  # fmt: skip
    order = sales.order_create(
        actor=admin,
        data={"contact_id": contact.pk,
              "lines": [{"product_id": product.pk, "quantity": "1"}]},
    )  # fmt: skip
    invoice = sales.invoice_create(
        actor=admin,
        data={"number": f"RE-{marker}", "gross_amount": "119", "contact_id": contact.pk,
              "invoice_date": "2026-01-01", "due_date": "2026-01-31"},
    )  # fmt: skip
    sent = email_send(
        actor=admin, to=[email], subject=f"{marker} reply", text=f"{marker} answer",
        contact=contact,
    )  # fmt: skip
    Purpose.objects.get_or_create(key="newsletter", defaults={"name": "Newsletter"})
    consent = consent_record(
        actor=admin, contact=contact, purpose_key="newsletter",
        data={"status": "granted", "legal_basis": "consent", "text_version": "v1",
              "channel": f"web form of {email}", "ip_address": "198.51.100.23"},
    )  # fmt: skip
    if with_webhook:
        subscription, _secret = subscription_create(
            actor=admin, data={"url": f"http://127.0.0.1:9/{marker.lower()}-hook", "events": ["*"]}
        )
        now = timezone.now()
        WebhookDelivery.objects.create(
            subscription=subscription, event_id=uuid7(), event_name="contact.updated",
            model="contacts.Contact", record_id=str(contact.pk),
            record_key=f"contacts.Contact:{contact.pk}", occurred_at=now, sequence=1,
            status="delivered", next_attempt_at=now, give_up_at=now + datetime.timedelta(days=1),
            attempts=1, delivered_at=now,
        )  # fmt: skip
    return Person(
        contact=contact,
        note=note,
        email_activity=message.activity,
        message=message,
        sent=sent,
        call=call,
        attachment=attachment,
        deal=deal,
        quote=quote,
        order=order,
        invoice=invoice,
        raw=raw,
        file_bytes=file_bytes,
        consent=consent,
        marker=marker,
        email=email,
        phone=phone,
    )
