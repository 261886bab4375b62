"""Sales changes flow through the outbox (kontor.events): every write emits
its events in its own transaction, and the events' ``data`` is the record
as the subscriber may read it (RecordType.serialize)."""

import datetime

import pytest
from django.db import transaction

from kontor.events import outbox
from kontor.events.catalogue import render
from kontor.events.models import OutboxEvent
from kontor.sales import services
from tests.factories import UserFactory
from tests.sales.conftest import sent_quote

pytestmark = pytest.mark.django_db


def names(record):
    return [event.name for event in outbox.events_of(record).order_by("id")]


def test_a_deal_emits_its_stage_changes_and_its_outcome(user, deal, stages):
    services.deal_move(actor=user, deal=deal, stage=stages["Proposal"])
    services.deal_move(actor=user, deal=deal, stage=stages["Lost"], lost_reason="Preis")
    services.deal_update(actor=user, deal=deal, data={"next_step": "Nachfassen"})
    services.deal_move(actor=user, deal=deal, stage=stages["Won"])

    assert names(deal) == [
        "deal.created",
        "deal.updated", "deal.stage_changed",
        "deal.updated", "deal.stage_changed", "deal.lost",
        "deal.updated",
        "deal.updated", "deal.stage_changed", "deal.won",
    ]  # fmt: skip


def test_a_rolled_back_or_empty_change_emits_nothing(user, deal, stages):
    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        services.deal_move(actor=user, deal=deal, stage=stages["Won"])
        raise Boom
    services.deal_update(actor=user, deal=deal, data={"title": deal.title})

    assert names(deal) == ["deal.created"]


def test_a_deleted_deal_keeps_its_owner_in_the_event(user, deal):
    pk = deal.pk
    services.deal_delete(actor=user, deal=deal)

    event = OutboxEvent.objects.get(name="deal.deleted")
    assert event.record_id == str(pk) and event.owners == [user.pk]


def test_a_quote_emits_each_step_of_its_life(user, deal, product):
    quote = sent_quote(user, deal, product)
    revision = services.quote_update(actor=user, quote=quote, data={"terms": "30 Tage netto"})
    services.quote_set_status(actor=user, quote=revision, status="sent")
    order = services.quote_accept(actor=user, quote=revision)

    assert names(quote) == ["quote.created", "quote.updated", "quote.sent", "quote.updated"]
    assert names(revision) == [
        "quote.created", "quote.revised",
        "quote.updated", "quote.sent",
        "quote.updated", "quote.accepted",
    ]  # fmt: skip
    assert names(order) == ["order.created"]
    assert names(deal)[-3:] == ["deal.updated", "deal.stage_changed", "deal.won"]


def test_declined_and_expired_quotes_say_so(user, deal, product):
    declined = sent_quote(user, deal, product)
    services.quote_set_status(actor=user, quote=declined, status="declined")
    expiring = sent_quote(user, deal, product)
    day_after = datetime.datetime.combine(
        expiring.valid_until + datetime.timedelta(days=1), datetime.time(1), tzinfo=datetime.UTC
    )
    services.quotes_expire(now=day_after)

    assert names(declined)[-2:] == ["quote.updated", "quote.declined"]
    assert names(expiring)[-2:] == ["quote.updated", "quote.expired"]


def test_invoices_and_products_emit_their_changes(user, organization, product):
    invoice = services.invoice_create(
        actor=user,
        data={"number": "RE-1", "organization_id": organization.pk, "gross_amount": "1190.00"},
    )
    services.invoice_update(actor=user, invoice=invoice, data={"amount_paid": "1190.00"})
    services.product_update(actor=user, product=product, data={"net_price": "130.00"})
    services.product_delete(actor=user, product=product)

    assert names(invoice) == ["invoice.created", "invoice.updated"]
    assert [e.name for e in OutboxEvent.objects.filter(name__startswith="product.")] == [
        "product.created", "product.updated", "product.deleted",
    ]  # fmt: skip


def test_event_data_is_what_the_subscriber_may_read(user, organization, deal):
    invoice = services.invoice_create(
        actor=user,
        data={"number": "RE-7", "organization_id": organization.pk, "gross_amount": "71717.17"},
    )
    agent = UserFactory(username="agent-events", roles=["service"])
    stranger = UserFactory(username="stranger-events", roles=["sales"], teams=["Elsewhere"])

    assert render("invoice.created", invoice, user)["gross_amount"] == "71717.17"
    seen_by_agent = render("invoice.created", invoice, agent)
    assert seen_by_agent["number"] == "RE-7" and "gross_amount" not in seen_by_agent
    assert render("deal.created", deal, user)["title"] == "Rollout 2026"
    assert render("deal.created", deal, stranger) is None
