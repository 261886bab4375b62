"""Calls and received emails on the access world's contacts, made through
the telephony and mail services, for the authorization matrix."""

from typing import Any

from django.test import RequestFactory

from kontor.mail.models import Source
from kontor.mail.services import message_ingest
from kontor.telephony.services import CallEventData, call_event_receive, phone_integration_create
from tests.access.world import SCOPES, World
from tests.factories import UserFactory


def calls_and_messages(world: World) -> dict[str, Any]:
    superuser = UserFactory(username="world-superuser", is_superuser=True)
    pbx = UserFactory(username="world-pbx", roles=["service"])
    integration, _secret = phone_integration_create(actor=superuser, name="PBX", user=pbx)
    request = RequestFactory().get("/")
    calls, messages = {}, {}
    for scope in SCOPES:
        records = world.records[scope]
        result = call_event_receive(
            integration=integration,
            data=CallEventData(
                event="ringing",
                call_id=f"matrix-{scope}",
                from_number=records.phone,
                to_number="030 9999999",
            ),
            request=request,
        )
        calls[scope] = result.call
        raw = (
            f"From: {records.email}\r\nTo: sales@company.example\r\nSubject: {scope} mail\r\n"
            f"Message-ID: <{scope}@matrix.example>\r\n\r\nHello\r\n"
        ).encode()
        messages[scope] = message_ingest(actor=world.admin, raw=raw, source=Source.API).message
    return {"calls": calls, "messages": messages}
