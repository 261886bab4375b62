"""A person's access export (GDPR Art. 15) holds their tickets and the
conversation on them."""

from kontor.privacy.export.collect import collect
from kontor.privacy.services import request_create
from kontor.service import services


def test_the_access_export_holds_the_tickets_and_their_conversation(user, ticket, contact):
    services.ticket_add_message(actor=user, ticket=ticket, kind="note", body="Rückruf morgen")
    request = request_create(actor=user, type="access", contact_id=contact.pk)

    records = collect(actor=user, request=request, person=contact).data["records"]

    assert [t["data"]["number"] for t in records["ticket"]["items"]] == [ticket.number]
    messages = records["ticket_message"]["items"]
    assert [m["data"]["body"] for m in messages] == ["Rückruf morgen"]
    assert messages[0]["data"]["ticket_number"] == ticket.number
