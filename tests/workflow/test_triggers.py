"""Each event trigger, run by the worker from the outbox."""

import pytest

from kontor.activities.models import Activity
from kontor.contacts.services import contact_update
from kontor.events.catalogue import _DECLARED, EventType, register_event_type
from kontor.events.outbox import emit
from kontor.mail.services import message_ingest
from kontor.sales import services as sales
from kontor.workflow.models import Run
from tests.factories import ContactFactory
from tests.workflow.conftest import drain, make_rule

pytestmark = pytest.mark.django_db


def notes_on(contact):
    return list(
        Activity.objects.filter(contact=contact, kind="note").values_list("body", flat=True)
    )


def test_created(user):
    rule = make_rule(
        user, actions=[{"type": "add_note", "body": "Welcome {{ contact.first_name }}"}]
    )
    contact = ContactFactory(first_name="Sabine", owner=user)
    drain()
    assert notes_on(contact) == ["Welcome Sabine"]
    run = Run.objects.get(rule=rule)
    assert run.matched and run.trigger == "created" and run.depth == 1
    assert run.actions[0]["status"] == "done" and run.finished_at is not None


def test_updated(user, contact):
    rule = make_rule(user, trigger={"on": "updated"})
    contact_update(actor=user, contact=contact, data={"notes": "called"})
    drain()
    assert Run.objects.filter(rule=rule).count() == 1
    assert notes_on(contact) == ["Hello"]


def test_field_changed_to_a_value(user, contact):
    rule = make_rule(
        user,
        trigger={"on": "field_changed", "field": "lifecycle_stage", "to": "customer"},
    )
    contact_update(actor=user, contact=contact, data={"notes": "only the notes"})
    drain()
    assert not Run.objects.filter(rule=rule).exists()
    contact_update(actor=user, contact=contact, data={"lifecycle_stage": "prospect"})
    drain()
    assert not Run.objects.filter(rule=rule).exists()
    contact_update(actor=user, contact=contact, data={"lifecycle_stage": "customer"})
    drain()
    assert Run.objects.filter(rule=rule, matched=True).count() == 1


def test_field_changed_to_anything(user, contact):
    rule = make_rule(user, trigger={"on": "field_changed", "field": "notes"})
    contact_update(actor=user, contact=contact, data={"notes": "new"})
    drain()
    assert Run.objects.filter(rule=rule).count() == 1


def test_stage_changed(user, deal, stages):
    rule = make_rule(
        user,
        record_type="deal",
        trigger={"on": "stage_changed", "stage_id": str(stages["Proposal"].pk)},
        actions=[{"type": "add_note", "body": "Stage {{ deal.stage.name }}"}],
    )
    sales.deal_move(actor=user, deal=deal, stage=stages["Needs analysis"])
    drain()
    assert not Run.objects.filter(rule=rule).exists()
    sales.deal_move(actor=user, deal=deal, stage=stages["Proposal"])
    drain()
    run = Run.objects.get(rule=rule)
    assert run.trigger == "stage_changed" and run.actions[0]["status"] == "done"
    assert Activity.objects.filter(linked_id=deal.pk, kind="note").count() == 1


@pytest.fixture
def sla_events():
    """SLA events as the service app declares them (``<type>.sla_warning``):
    the engine knows them by name only."""
    names = ["deal.sla_warning", "deal.sla_breach"]
    for name in names:
        register_event_type(
            EventType(
                name=name,
                model="sales.Deal",
                serialize="kontor.sales.payloads.deal_answer",
                record_type="deal",
            )
        )
    yield
    for name in names:
        _DECLARED.pop(name, None)


@pytest.mark.parametrize("on", ["sla_warning", "sla_breach"])
def test_sla_events(user, deal, sla_events, on):
    rule = make_rule(user, record_type="deal", trigger={"on": on})
    other = make_rule(
        user,
        record_type="deal",
        trigger={"on": "sla_breach" if on == "sla_warning" else "sla_warning"},
    )
    emit(f"deal.{on}", deal)
    drain()
    assert Run.objects.filter(rule=rule, trigger=on).count() == 1
    assert not Run.objects.filter(rule=other).exists()


def test_sla_triggers_need_the_event(user):
    from kontor.core.exceptions import FieldErrors

    with pytest.raises(FieldErrors) as refused:
        make_rule(user, trigger={"on": "sla_breach"})
    assert "trigger.on" in refused.value.errors


def test_email_received(user, contact):
    rule = make_rule(
        user,
        trigger={"on": "email_received"},
        actions=[{"type": "add_note", "body": "Mail from {{ contact.display_name }}"}],
    )
    raw = (
        b"From: Sabine Koch <s.koch@mueller.example>\r\nTo: sales@kontor.example\r\n"
        b"Subject: Question\r\nMessage-ID: <q1@mueller.example>\r\n"
        b"Date: Mon, 2 Mar 2026 10:00:00 +0100\r\n\r\nHello!\r\n"
    )
    message_ingest(actor=user, raw=raw)
    drain()
    run = Run.objects.get(rule=rule)
    assert run.trigger == "email_received" and run.record_id == str(contact.pk)
    assert notes_on(contact) == ["Mail from Sabine Koch"]


def test_an_inactive_rule_does_not_run(user):
    rule = make_rule(user, active=False)
    ContactFactory(first_name="Sabine", owner=user)
    drain()
    assert not Run.objects.filter(rule=rule).exists()
