"""The tickets API: the public contract of the service issue, its errors,
filters, conflicts, the conversation and the bulk actions."""

import datetime

from django.utils import timezone

from kontor.service import services
from kontor.service.models import Ticket
from tests.conftest import api_client_for
from tests.factories import UserFactory

CONTRACT = {
    "id", "number", "subject", "description", "status", "priority", "category", "channel",
    "contact_id", "organization_id", "team_id", "assignee_id", "sla_policy_id",
    "first_response_due_at", "resolution_due_at", "first_responded_at", "resolved_at",
    "breached", "created_at", "updated_at", "version",
}  # fmt: skip


def test_a_new_ticket_answers_the_contract(api, user, contact, organization, team):
    response = api.post(
        "/api/v1/tickets",
        {"subject": "Rechnung fehlt", "description": "Seit März", "contact_id": str(contact.pk),
         "team_id": str(team.pk), "priority": "high", "category": "Abrechnung"},
    )  # fmt: skip

    assert response.status_code == 201, response.content
    ticket = response.json()
    assert set(ticket) >= CONTRACT
    assert ticket["number"] == "T-000001"
    assert ticket["status"] == "new" and ticket["priority"] == "high"
    assert ticket["channel"] == "api"
    assert ticket["organization_id"] == str(organization.pk)
    assert ticket["team_id"] == str(team.pk)
    assert ticket["sla_policy_id"] is None and ticket["breached"] is False
    assert ticket["version"] == 1 and response["ETag"] == '"1"'
    assert response["Location"] == f"/api/v1/tickets/{ticket['id']}"
    assert api.get(response["Location"]).json() == ticket


def test_bad_input_is_a_422_naming_the_fields(api):
    response = api.post("/api/v1/tickets", {"subject": "x", "priority": "asap"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "priority"]

    response = api.post("/api/v1/tickets", {"subject": " ", "contact_id": None})
    assert response.status_code == 422
    assert ["body", "subject"] in [d["loc"] for d in response.json()["detail"]]

    response = api.post("/api/v1/tickets", {"subject": "x", "number": "T-1"})
    assert response.status_code == 422

    response = api.post(
        "/api/v1/tickets", {"subject": "x", "team_id": "00000000-0000-0000-0000-000000000001"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "team_id"]

    assert api.get("/api/v1/tickets?assignee_id=someone").status_code == 422
    assert api.get("/api/v1/tickets?status=done").status_code == 422
    assert api.get("/api/v1/tickets/not-a-uuid").status_code == 404
    assert not Ticket.objects.exists()


def test_patch_changes_status_and_a_stale_version_is_a_409(api, ticket):
    url = f"/api/v1/tickets/{ticket.pk}"
    resolved = api.patch(url, {"status": "resolved", "version": 1})
    assert resolved.status_code == 200, resolved.content
    assert resolved.json()["resolved_at"] is not None
    assert resolved.json()["version"] == 2

    stale = api.patch(url, {"priority": "low", "version": 1})
    assert stale.status_code == 409

    reopened = api.patch(url, {"status": "open"}, headers={"If-Match": '"2"'})
    assert reopened.status_code == 200
    assert reopened.json()["resolved_at"] is None


def test_delete_answers_204_and_then_404(api, ticket):
    url = f"/api/v1/tickets/{ticket.pk}"
    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404


def test_the_list_filters(api, user, ticket, team, contact):
    other = services.ticket_create(actor=user, data={"subject": "Lieferung", "priority": "urgent"})
    mine = services.ticket_create(
        actor=user, data={"subject": "Passwort vergessen", "assignee_id": user.pk}
    )
    late = services.ticket_create(
        actor=user,
        data={"subject": "Spät",
              "resolution_due_at": (timezone.now() - datetime.timedelta(hours=1)).isoformat()},
    )  # fmt: skip

    def numbers(query: str) -> set[str]:
        response = api.get(f"/api/v1/tickets?{query}")
        assert response.status_code == 200, response.content
        return {t["number"] for t in response.json()["items"]}

    assert numbers("") == {t.number for t in (ticket, other, mine, late)}
    assert numbers(f"team_id={team.pk}") == {ticket.number}
    assert numbers(f"contact_id={contact.pk}") == {ticket.number}
    assert numbers(f"organization_id={contact.organization_id}") == {ticket.number}
    assert numbers("priority=urgent") == {other.number}
    assert numbers("assignee_id=me") == {mine.number}
    assert numbers(f"assignee_id={user.pk}") == {mine.number}
    assert numbers("breached=true") == {late.number}
    assert late.number not in numbers("breached=false")
    assert numbers("q=passwort") == {mine.number}
    assert numbers(f"q={other.number}") == {other.number}
    assert numbers("status=new") == {t.number for t in (ticket, other, mine, late)}


def test_the_list_pages_with_a_cursor(api, user):
    for index in range(5):
        services.ticket_create(actor=user, data={"subject": f"Ticket {index}"})
    first = api.get("/api/v1/tickets?limit=3").json()
    second = api.get(f"/api/v1/tickets?limit=3&cursor={first['next']}").json()
    assert len(first["items"]) == 3 and len(second["items"]) == 2
    assert second["next"] is None


def test_the_list_reads_a_fixed_number_of_queries(
    api, user, contact, team, django_assert_max_num_queries
):
    for index in range(10):
        services.ticket_create(
            actor=user,
            data={"subject": f"Ticket {index}", "contact_id": contact.pk, "team_id": team.pk},
        )
    api.get("/api/v1/tickets")  # the token's and the roles' reads
    with django_assert_max_num_queries(12):
        response = api.get("/api/v1/tickets")
    assert len(response.json()["items"]) == 10


def test_a_reply_is_emailed_and_a_note_is_not(api, ticket):
    url = f"/api/v1/tickets/{ticket.pk}/messages"
    reply = api.post(url, {"kind": "reply", "body": "Wir kümmern uns."})
    note = api.post(url, {"kind": "note", "body": "Kunde ist ungeduldig."})

    assert reply.status_code == 201, reply.content
    assert reply.json()["email_id"] is not None
    assert note.json()["email_id"] is None
    messages = api.get(url).json()["items"]
    assert [m["kind"] for m in messages] == ["reply", "note"]
    assert api.get(f"/api/v1/tickets/{ticket.pk}").json()["first_responded_at"] is not None

    assert api.post(url, {"kind": "inbound", "body": "x"}).status_code == 422
    assert api.post(url, {"kind": "note", "body": " "}).status_code == 422


def test_bulk_assign_and_close(api, user):
    agent = UserFactory(username="agent", roles=["service"])
    ids = [str(services.ticket_create(actor=user, data={"subject": f"T{i}"}).pk) for i in range(3)]

    assigned = api.post("/api/v1/tickets/bulk", {"ids": ids, "action": "assign",
                                                 "assignee_id": agent.pk})  # fmt: skip
    closed = api.post("/api/v1/tickets/bulk", {"ids": ids[:2], "action": "close"})

    assert assigned.status_code == 200, assigned.content
    assert sorted(assigned.json()["changed"]) == sorted(ids)
    assert len(closed.json()["changed"]) == 2
    assert Ticket.objects.filter(status="closed").count() == 2
    assert set(Ticket.objects.values_list("assignee_id", flat=True)) == {agent.pk}
    unknown = api.post(
        "/api/v1/tickets/bulk",
        {"ids": ["00000000-0000-0000-0000-000000000001"], "action": "close"},
    )
    assert unknown.status_code == 422


def test_activities_can_name_a_ticket(api, ticket, contact):
    response = api.post(
        "/api/v1/activities",
        {"kind": "call", "subject": "Rückruf", "contact_id": str(contact.pk),
         "ticket_id": str(ticket.pk)},
    )  # fmt: skip
    assert response.status_code == 201, response.content
    assert response.json()["ticket_id"] == str(ticket.pk)


def test_a_restricted_user_sees_only_their_own_and_their_teams_tickets(user, team):
    seller = UserFactory(username="seller", roles=["sales"], teams=["Support"])
    stranger = UserFactory(username="stranger", roles=["sales"])
    queued = services.ticket_create(actor=user, data={"subject": "Queue", "team_id": team.pk})
    own = services.ticket_create(actor=stranger, data={"subject": "Own"})
    elsewhere = services.ticket_create(actor=user, data={"subject": "Elsewhere"})

    seller_api = api_client_for(seller)
    listed = {t["id"] for t in seller_api.get("/api/v1/tickets").json()["items"]}
    assert listed == {str(queued.pk)}
    assert seller_api.get(f"/api/v1/tickets/{elsewhere.pk}").status_code == 404
    assert (
        seller_api.patch(f"/api/v1/tickets/{elsewhere.pk}", {"priority": "low"}).status_code == 404
    )
    assert seller_api.patch(f"/api/v1/tickets/{queued.pk}", {"priority": "low"}).status_code == 200

    stranger_api = api_client_for(stranger)
    listed = {t["id"] for t in stranger_api.get("/api/v1/tickets").json()["items"]}
    assert listed == {str(own.pk)}
    assert stranger_api.get(f"/api/v1/tickets/{queued.pk}/messages").status_code == 404
    bulk = stranger_api.post("/api/v1/tickets/bulk", {"ids": [str(queued.pk)], "action": "close"})
    assert bulk.status_code == 422
