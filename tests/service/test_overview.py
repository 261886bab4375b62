"""Tickets on the customer's 360° view: the page's section and the
``tickets`` key of the API's answer, only the ones the reader may see."""

from kontor.service import services
from tests.conftest import api_client_for
from tests.factories import ContactFactory, UserFactory
from tests.query_counts import CaptureWorkQueries


def test_the_contact_and_organization_views_list_their_tickets(api, user, ticket, contact,
                                                              organization, client):  # fmt: skip
    colleague = ContactFactory(first_name="Jan", organization_id=organization.pk, owner=user)
    theirs = services.ticket_create(actor=user, data={"subject": "Jan ruft an",
                                                      "contact_id": colleague.pk})  # fmt: skip

    view = api.get(f"/api/v1/contacts/{contact.pk}/overview").json()
    assert [t["number"] for t in view["tickets"]] == [ticket.number]
    assert view["tickets"][0]["status"] == "new"
    assert view["tickets"][0]["url"].endswith(f"/api/v1/tickets/{ticket.pk}")

    view = api.get(f"/api/v1/organizations/{organization.pk}/overview").json()
    assert {t["number"] for t in view["tickets"]} == {ticket.number, theirs.number}

    client.force_login(user)
    page = client.get(contact.get_absolute_url())
    assert b'data-testid="overview-tickets"' in page.content
    assert ticket.number.encode() in page.content


def test_a_reader_sees_only_the_tickets_they_may_see(user, contact):
    services.ticket_create(actor=user, data={"subject": "Nicht für dich", "contact_id": contact.pk})
    reader = UserFactory(username="reader", roles=["sales"])
    contact.owner = reader
    contact.save(update_fields=["owner"])
    view = api_client_for(reader).get(f"/api/v1/contacts/{contact.pk}/overview")
    assert view.status_code == 200
    assert view.json()["tickets"] == []


def test_the_overview_needs_as_many_queries_for_many_tickets(api, user, contact):
    counts = {}
    for size in (1, 12):
        for index in range(size):
            services.ticket_create(actor=user, data={"subject": f"{size}-{index}",
                                                     "contact_id": contact.pk})  # fmt: skip
        url = f"/api/v1/contacts/{contact.pk}/overview"
        api.get(url)
        with CaptureWorkQueries() as queries:
            response = api.get(url)
        assert response.status_code == 200
        counts[size] = len(queries.work)
    assert counts[1] == counts[12]
