"""Calls from the phone system and received emails are in the audit trail too."""

import pytest

from kontor.audit.models import AuditEntry
from tests.access.integrations import calls_and_messages
from tests.access.world import build_world

pytestmark = pytest.mark.django_db


def test_calls_and_received_emails_are_recorded_on_their_contacts_history():
    world = build_world("sales")
    made = calls_and_messages(world)
    contact = world.records["own"].contact

    call = AuditEntry.objects.get(
        object_type="telephony.call", object_id=str(made["calls"]["own"].pk)
    )
    message = AuditEntry.objects.get(
        object_type="mail.inboundmessage", object_id=str(made["messages"]["own"].pk)
    )

    assert (call.action, call.actor_name, call.parent_id) == (
        "create",
        "world-pbx",
        str(contact.pk),
    )
    assert call.changes["event"] == [None, "ringing"]
    assert message.action == "create" and message.changes["from"] == [
        None,
        world.records["own"].email,
    ]
    logged = AuditEntry.objects.filter(object_type="activity", parent_id=str(contact.pk))
    assert logged.filter(actor_name="world-pbx").exists()  # the call on the timeline
