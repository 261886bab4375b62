"""Who gets a screen pop for a ringing call, and what it shows them."""

import json

import pytest
from django.urls import reverse

from kontor.activities.models import Activity, Kind
from kontor.contacts.models import Contact
from kontor.contacts.restriction import contact_restrict_processing
from kontor.contacts.services import contact_create, organization_create
from kontor.events.models import Event
from kontor.telephony.models import Call
from tests.factories import ActivityFactory, ContactFactory, UserFactory
from tests.telephony.conftest import ringing

URL = "/api/v1/telephony/events"


@pytest.fixture
def dpo(db):
    return UserFactory(username="dpo", roles=["data-protection-officer"])


def pops_for(user) -> list[dict]:
    return [e.payload for e in Event.objects.filter(recipient=user, kind="call")]


def test_the_named_agent_gets_the_screen_pop(pbx, anna, agent, colleague):
    pbx.post(URL, ringing(agent="21"))

    [pop] = pops_for(agent)
    assert pops_for(colleague) == []
    assert pop["call_id"] == "c-1"
    assert [m["id"] for m in pop["matches"]] == [str(anna.pk), str(anna.organization.pk)]
    assert pop["call"]["event"] == "ringing"
    assert pop["pop_url"].endswith(reverse("call-pop", args=[Call.objects.get().pk]))


def test_the_pop_has_the_ringing_responses_json_and_more(pbx, anna, agent):
    response = pbx.post(URL, ringing()).json()

    [pop] = pops_for(agent)
    assert pop["call_id"] == response["call_id"]
    assert pop["matches"] == response["matches"]


def test_without_an_agent_the_contacts_owner_gets_the_pop(pbx, anna, colleague):
    anna.owner = colleague
    anna.save(update_fields=["owner"])

    pbx.post(URL, ringing(agent=None))

    assert len(pops_for(colleague)) == 1


def test_every_agent_whose_phone_rings_gets_the_pop(client, secret, anna, agent, colleague):
    client.post(
        f"/api/v1/telephony/sipgate?token={secret}",
        {"event": "newCall", "callId": "x1", "from": "49301234567", "to": "4930555",
         "direction": "in", "user[]": ["Rita Rep", "Mia Vertrieb"]},
    )  # fmt: skip

    assert len(pops_for(agent)) == 1
    assert len(pops_for(colleague)) == 1
    assert Call.objects.get().agent is None  # nobody took it yet


def test_the_pop_shows_stage_open_tasks_and_last_interactions(pbx, anna, agent):
    ActivityFactory(contact=anna, author=agent, kind="note", body="Likes espresso")
    ActivityFactory(
        contact=anna,
        author=agent,
        kind="task",
        subject="Send offer",
        due_at="2030-01-01T10:00:00+01:00",
    )

    pbx.post(URL, ringing())

    [pop] = pops_for(agent)
    [record, organization] = pop["records"]
    assert record["id"] == str(anna.pk)
    assert record["lifecycle_stage"] == "lead"
    assert [t["subject"] for t in record["open_tasks"]] == ["Send offer"]
    assert [a["kind"] for a in record["last_interactions"]] == ["note"]  # not this call
    assert organization["matched_by"] == "phone_main_number"


def test_an_unknown_callers_pop_offers_to_create_a_contact(pbx, agent):
    pbx.post(URL, ringing(number="+49 89 5550001"))

    [pop] = pops_for(agent)
    assert pop["matches"] == []
    assert pop["create_contact_url"].endswith(
        reverse("call-create-contact", args=[Call.objects.get().pk])
    )


def test_a_hidden_contact_does_not_show_in_the_agents_pop(pbx, anna, colleague):
    from kontor.telephony.models import Extension

    Extension.objects.create(user=colleague, number="22")

    pbx.post(URL, ringing(agent="22"))

    [pop] = pops_for(colleague)
    assert pop["matches"] == []
    assert pop["records"] == []
    assert "Anna" not in str(pop)


def test_answer_and_hang_up_are_sent_as_updates(pbx, anna, agent):
    pbx.post(URL, ringing())
    pbx.post(URL, {"event": "answered", "call_id": "c-1", "agent": "rep"})
    pbx.post(URL, {"event": "ended", "call_id": "c-1"})

    updates = [
        e.payload["call"]["event"]
        for e in Event.objects.filter(recipient=agent, kind="call-update")
    ]
    assert updates == ["answered", "ended"]


# The pop in the browser: a partial, and "create contact" ------------------------------


def test_the_pop_partial_shows_the_caller(client, pbx, anna, agent):
    pbx.post(URL, ringing())
    client.force_login(agent)

    response = client.get(reverse("call-pop", args=[Call.objects.get().pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Anna Schmidt" in html
    assert "ACME GmbH" in html
    assert anna.get_absolute_url() in html
    assert 'href="tel:+49301234567"' in html
    assert "Create contact" not in html


def test_the_pop_partial_of_a_call_one_may_not_see_is_404(client, pbx, anna, colleague):
    pbx.post(URL, ringing())
    client.force_login(colleague)

    response = client.get(reverse("call-pop", args=[Call.objects.get().pk]))

    assert response.status_code == 404


def test_one_click_makes_a_contact_of_an_unknown_caller(client, pbx, agent):
    pbx.post(URL, ringing(number="0171 5550001"))
    pbx.post(URL, {"event": "missed", "call_id": "c-1"})
    call = Call.objects.get()
    client.force_login(agent)

    assert "Create contact" in client.get(reverse("call-pop", args=[call.pk])).content.decode()
    response = client.post(reverse("call-create-contact", args=[call.pk]))

    call.refresh_from_db()
    contact = call.contact
    assert response.status_code == 302
    assert response["Location"] == contact.get_absolute_url()
    assert contact.lifecycle_stage == "lead"
    assert [p.e164 for p in contact.phones.all()] == ["+491715550001"]
    assert contact.owner == agent
    activity = Activity.objects.get(kind=Kind.CALL)
    assert (activity.contact, activity.outcome) == (contact, "missed")
    assert Activity.objects.get(kind=Kind.TASK).assignee == agent  # call back


def test_earlier_calls_of_the_same_unknown_caller_move_along(pbx, api, agent):
    pbx.post(URL, ringing(call_id="a", number="0171 5550001"))
    pbx.post(URL, ringing(call_id="b", number="+49 171 5550001"))
    call = Call.objects.get(call_id="b")

    response = api.post(f"/api/v1/telephony/calls/{call.pk}/contact")

    assert response.status_code == 201, response.content
    contact_id = response.json()["contact_id"]
    assert response.json()["match"]["id"] == contact_id
    assert Activity.objects.filter(kind=Kind.CALL, contact_id=contact_id).count() == 2


def test_a_known_callers_call_cannot_become_another_contact(pbx, api, anna):
    pbx.post(URL, ringing())

    response = api.post(f"/api/v1/telephony/calls/{Call.objects.get().pk}/contact")

    assert response.status_code == 422


def test_a_withheld_number_cannot_become_a_contact(pbx, api):
    pbx.post(URL, ringing(number="anonymous"))

    response = api.post(f"/api/v1/telephony/calls/{Call.objects.get().pk}/contact")

    assert response.status_code == 422


def test_the_calls_list_shows_unknown_callers(client, pbx, anna, agent):
    pbx.post(URL, ringing(call_id="known"))
    pbx.post(URL, ringing(call_id="unknown", number="+49 89 5550001"))
    client.force_login(agent)

    page = client.get(reverse("call-list") + "?unknown=1").content.decode()

    assert "+49895550001" in page
    assert "Anna Schmidt" not in page
    api_list = client.get("/api/v1/telephony/calls", {"unknown": "true"}).json()["items"]
    assert [c["call_id"] for c in api_list] == ["unknown"]


def test_calls_on_hidden_records_are_not_listed(client, pbx, anna, colleague):
    pbx.post(URL, ringing())
    client.force_login(colleague)

    assert client.get("/api/v1/telephony/calls").json()["items"] == []
    assert client.get(f"/api/v1/telephony/calls/{Call.objects.get().pk}").status_code == 404


def test_an_inactive_agent_gets_no_pop(pbx, anna, agent):
    agent.is_active = False
    agent.save(update_fields=["is_active"])
    UserFactory(username="someone")

    pbx.post(URL, ringing())

    assert not Event.objects.exists()


def test_the_pop_speaks_german(client, pbx, agent):
    pbx.post(URL, ringing(number="+49 89 5550001"))
    client.force_login(agent)

    html = client.get(
        reverse("call-pop", args=[Call.objects.get().pk]), headers={"Accept-Language": "de"}
    ).content.decode()

    assert "Unbekannter Anrufer" in html
    assert "Kontakt anlegen" in html


def test_the_pop_shows_no_organization_the_agent_may_not_read(
    client, pbx, admin_user, agent, colleague
):
    hidden = organization_create(
        actor=admin_user, data={"name": "Fremde Firma AG", "owner_id": colleague.pk}
    )
    contact_create(
        actor=admin_user,
        data={"first_name": "Berta", "organization_id": hidden.pk, "owner_id": agent.pk,
              "phones": ["+49 30 7654321"]},
    )  # fmt: skip

    answer = pbx.post(URL, ringing(number="+49 30 7654321")).json()

    # The phone system's user reads every organization; the agent does not.
    assert answer["matches"][0]["organization"]["name"] == "Fremde Firma AG"
    [pop] = pops_for(agent)
    assert [m["organization"] for m in pop["matches"]] == [None]
    assert [r["organization"] for r in pop["records"]] == [None]
    assert "Fremde Firma" not in json.dumps(pop)
    assert str(hidden.pk) not in json.dumps(pop)
    client.force_login(agent)
    html = client.get(reverse("call-pop", args=[Call.objects.get().pk])).content.decode()
    assert "Berta" in html
    assert "Fremde Firma" not in html
    assert str(hidden.pk) not in html


def test_a_restricted_caller_is_shown_as_restricted_and_nothing_else(client, pbx, agent, dpo):
    """GDPR Art. 18: a person whose processing is restricted rings. The pop,
    its page and the ringing answer say "restricted" — no name, no number to
    make a contact of — and no contact can be made of the call."""
    person = ContactFactory(
        first_name="Rhea", last_name="Stricta", phones=["+49 89 5550002"], owner=agent
    )
    contact_restrict_processing(actor=dpo, person=person, restricted=True)

    answer = pbx.post(URL, ringing(number="089 5550002")).json()

    [pop] = pops_for(agent)
    assert pop["matches"] == [] and pop["records"] == []
    assert pop["restricted"] is True
    assert pop["create_contact_url"] is None
    assert "Stricta" not in json.dumps(pop) and "Stricta" not in json.dumps(answer)
    call = Call.objects.get()
    client.force_login(agent)
    html = client.get(reverse("call-pop", args=[call.pk])).content.decode()
    assert "Restricted caller" in html
    assert "Stricta" not in html and "Create contact" not in html and "5550002" not in html
    assert client.post(reverse("call-create-contact", args=[call.pk])).status_code == 302
    assert Contact.objects.filter(phones__e164="+49895550002").count() == 1


def test_an_unknown_caller_is_not_restricted(pbx, agent):
    pbx.post(URL, ringing(number="+49 89 5550003"))

    [pop] = pops_for(agent)
    assert pop["restricted"] is False
