"""A person's access export (GDPR Art. 15) holds their tickets and the
conversation on them."""

from kontor.privacy.export.collect import collect
from kontor.privacy.services import request_create
from kontor.service import services
from kontor.service.models import TicketMessage
from tests.conftest import api_client_for
from tests.factories import UserFactory


def test_the_access_export_holds_the_tickets_and_their_conversation(user, ticket, contact):
    services.ticket_add_message(actor=user, ticket=ticket, kind="note", body="Rückruf morgen")
    request = request_create(actor=user, type="access", contact_id=contact.pk)

    records = collect(actor=user, request=request, person=contact).data["records"]

    assert [t["data"]["number"] for t in records["ticket"]["items"]] == [ticket.number]
    messages = records["ticket_message"]["items"]
    assert [m["data"]["body"] for m in messages] == ["Rückruf morgen"]
    assert messages[0]["data"]["ticket_number"] == ticket.number


def test_erasure_strips_the_persons_tickets_and_deletes_their_conversation(user, ticket, contact):
    services.ticket_add_message(actor=user, ticket=ticket, kind="note", body="Rückruf morgen")
    services.ticket_add_message(actor=user, ticket=ticket, kind="note", body="Frau Koch rief an")
    dpo = UserFactory(username="dpo", roles=["data-protection-officer"])
    api = api_client_for(dpo)
    created = api.post(
        "/api/v1/privacy/requests", {"type": "erasure", "contact_id": str(contact.pk)}
    )

    response = api.post(f"/api/v1/privacy/requests/{created.json()['id']}/execute")

    assert response.status_code == 200, response.content
    stores = {store["name"]: store["items_removed"] for store in response.json()["stores"]}
    assert (stores["tickets"], stores["ticket messages"]) == (1, 2)
    ticket.refresh_from_db()
    assert ticket.number == "T-000001" and ticket.contact_id is None
    assert "Drucker" not in ticket.subject and ticket.description == ""
    assert not TicketMessage.objects.exists()
