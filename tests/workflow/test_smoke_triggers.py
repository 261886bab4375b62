"""Each trigger, run by the worker from the outbox (or the clock)."""

from kontor.activities.models import Activity
from kontor.workflow.models import Run
from tests.factories import ContactFactory
from tests.workflow.conftest import drain, make_rule


def notes_on(contact):
    return list(
        Activity.objects.filter(contact=contact, kind="note").values_list("body", flat=True)
    )


def test_created(user, organization):
    rule = make_rule(
        user, actions=[{"type": "add_note", "body": "Welcome {{ contact.first_name }}"}]
    )
    contact = ContactFactory(first_name="Sabine", owner=user)
    drain()
    assert notes_on(contact) == ["Welcome Sabine"]
    run = Run.objects.get(rule=rule)
    assert run.matched and run.actions[0]["status"] == "done"
    assert run.trigger == "created"
