import datetime

import pytest
from django.utils import timezone

from kontor.activities.models import Activity
from kontor.mail.models import InboundMessage
from kontor.sales import services
from kontor.sales.models import Pipeline
from kontor.telephony.models import Call
from kontor.telephony.services import phone_integration_create
from kontor.warehouse.export import export
from tests.factories import ActivityFactory, ContactFactory, OrganizationFactory, UserFactory


@pytest.fixture
def world(user, admin_user):
    """A small company: a sales rep in a team, a customer with a contact, a
    won deal (quote accepted into an order), an open deal, an overdue
    invoice, a call and a captured email."""
    user.first_name, user.last_name = "Rita", "Rep"
    user.save(update_fields=["first_name", "last_name"])
    colleague = UserFactory(username="colleague", teams=["Vertrieb"])
    UserFactory(username="lead", teams=["Vertrieb"])
    user.kontor_teams.add(colleague.kontor_teams.get())
    organization = OrganizationFactory(name="Müller & Söhne KG", owner=user)
    contact = ContactFactory(
        first_name="Sabine",
        last_name="Koch",
        organization_id=organization.pk,
        emails=[{"address": "s.koch@mueller.example"}],
        phones=[{"number": "+49 30 1234567"}],
        owner=user,
    )
    product = services.product_create(
        actor=user,
        data={"sku": "CONS-H", "name": "Beratung", "unit": "h", "net_price": "120.00",
              "tax_rate": "19"},
    )  # fmt: skip
    won = services.deal_create(
        actor=user,
        data={"title": "Rollout", "organization_id": organization.pk, "contact_id": contact.pk,
              "amount": "12000.00", "source": "Messe"},
    )  # fmt: skip
    quote = services.quote_create(
        actor=user,
        data={"deal_id": won.pk, "lines": [{"product_id": product.pk, "quantity": "10"}]},
    )
    quote = services.quote_set_status(actor=user, quote=quote, status="sent")
    order = services.quote_accept(actor=user, quote=quote)
    open_deal = services.deal_create(
        actor=colleague,
        data={"title": "Wartung", "organization_id": organization.pk, "amount": "3000.00",
              "source": "Website"},
    )  # fmt: skip
    today = timezone.localdate()
    invoice = services.invoice_create(
        actor=user,
        data={"number": "RE-1", "organization_id": organization.pk, "gross_amount": "1190.00",
              "invoice_date": (today - datetime.timedelta(days=60)).isoformat(),
              "due_date": (today - datetime.timedelta(days=45)).isoformat()},
    )  # fmt: skip
    note = ActivityFactory(author=user, contact=contact, kind="note", body="Koch mag Kaffee")
    ActivityFactory(author=colleague, contact=contact, kind="call", direction="outbound")
    integration, _secret = phone_integration_create(
        actor=admin_user, name="Office PBX", user=admin_user
    )
    call = Call.objects.create(
        integration=integration,
        call_id="c-1",
        direction="inbound",
        from_number="+49301234567",
        number="+49301234567",
        agent=user,
        contact=contact,
        organization=organization,
        started_at=timezone.now(),
        duration_seconds=95,
        outcome="answered",
    )
    email = InboundMessage.objects.create(
        dedup_key="d-1",
        fingerprint="f-1",
        message_id="<1@mueller.example>",
        subject="Angebot Rollout",
        from_address="s.koch@mueller.example",
        direction="inbound",
        raw="mail/1.eml",
        size=2048,
        source="api",
        activity=note,
    )
    return {
        "user": user,
        "colleague": colleague,
        "organization": organization,
        "contact": contact,
        "product": product,
        "won": won,
        "open": open_deal,
        "quote": quote,
        "order": order,
        "invoice": invoice,
        "note": note,
        "call": call,
        "email": email,
        "pipeline": Pipeline.objects.get(name="New business"),
        "activities": Activity.objects.count(),
    }


@pytest.fixture
def exported(world, tmp_path):
    """The world exported once (the first export: everything)."""
    folder = tmp_path / "warehouse"
    export(folder)
    return folder
