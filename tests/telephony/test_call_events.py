"""POST /api/v1/telephony/events: Kontor's own JSON call events."""

import pytest

from kontor.activities.models import Activity, Kind
from kontor.telephony.models import Call, CallEvent
from tests.conftest import ApiClient, api_client_for
from tests.factories import UserFactory
from tests.telephony.conftest import ringing, signed

URL = "/api/v1/telephony/events"


def post(pbx, **body):
    return pbx.post(URL, body)


def call_activities():
    return Activity.objects.filter(kind=Kind.CALL)


def test_the_answer_to_ringing_is_the_lookup_result(pbx, anna):
    response = pbx.post(URL, ringing())

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["call_id"] == "c-1"
    assert [m["id"] for m in body["matches"]] == [str(anna.pk), str(anna.organization.pk)]
    assert body["matches"][0] == {
        "type": "contact",
        "id": str(anna.pk),
        "display_name": "Anna Schmidt",
        "organization": {
            "id": str(anna.organization.pk),
            "name": "ACME GmbH",
            "url": f"http://testserver/organizations/{anna.organization.pk}/",
        },
        "url": f"http://testserver/contacts/{anna.pk}/",
        "matched_by": "phone",
    }
    assert body["matches"][1]["matched_by"] == "phone_main_number"


def test_the_matches_are_those_of_the_lookup_endpoint(pbx, api, anna):
    lookup = api.get("/api/v1/lookup", {"phone": "+49 30 1234567"}).json()["matches"]

    assert pbx.post(URL, ringing()).json()["matches"] == lookup


def test_a_call_becomes_one_call_activity_on_the_contacts_timeline(pbx, anna, agent):
    post(pbx, **ringing())
    post(pbx, event="answered", call_id="c-1", **{"from": "+49 30 1234567"}, agent="21")
    response = post(pbx, event="ended", call_id="c-1", duration_seconds=312)

    assert response.status_code == 200, response.content
    [call] = call_activities()
    assert call.contact == anna
    assert call.organization == anna.organization
    assert call.direction == "inbound"
    assert call.outcome == "answered"
    assert call.duration_seconds == 312
    assert call.phone_number == "+49301234567"
    assert call.author == agent
    assert response.json()["call"]["activity_id"] == str(call.pk)


def test_the_call_shows_on_the_timeline_while_it_rings(pbx, anna):
    post(pbx, **ringing())

    [call] = call_activities()
    assert call.contact == anna
    assert call.outcome == ""


@pytest.mark.parametrize("repeat", ["ringing", "answered", "ended"])
def test_an_event_sent_twice_is_applied_once(pbx, anna, agent, repeat):
    events = {
        "ringing": ringing(),
        "answered": {"event": "answered", "call_id": "c-1", "agent": "rep"},
        "ended": {"event": "ended", "call_id": "c-1", "duration_seconds": 60},
    }
    for body in events.values():
        pbx.post(URL, body)
    again = pbx.post(URL, {**events[repeat], "duration_seconds": 999})

    assert again.status_code == 200
    assert again.json()["duplicate"] is True
    [call] = call_activities()
    assert call.duration_seconds == 60
    assert Call.objects.count() == 1
    assert CallEvent.objects.get(event=repeat).times_received == 2


def test_ringing_twice_pops_up_once_and_answers_both_times(pbx, anna, agent):
    first = pbx.post(URL, ringing())
    second = pbx.post(URL, ringing())

    assert first.json()["matches"] == second.json()["matches"]
    assert call_activities().count() == 1
    from kontor.events.models import Event

    assert Event.objects.filter(kind="call").count() == 1


def test_ended_before_answered_still_gives_an_answered_call(pbx, anna, agent):
    post(pbx, event="ended", call_id="c-9", duration_seconds=45, **{"from": "030 1234567"})
    post(pbx, event="answered", call_id="c-9", agent="rep", **{"from": "030 1234567"})
    post(pbx, **ringing(call_id="c-9", number="030 1234567"))

    [call] = call_activities()
    assert call.contact == anna
    assert call.outcome == "answered"
    assert call.duration_seconds == 45
    assert not Activity.objects.filter(kind=Kind.TASK).exists()


def test_an_event_without_ringing_first_still_logs_the_call(pbx, anna):
    response = post(pbx, event="missed", call_id="c-2", **{"from": "+49 30 1234567"})

    assert response.status_code == 200
    [call] = call_activities()
    assert call.outcome == "missed"


def test_a_missed_call_is_a_call_back_task_for_the_agent(pbx, anna, agent):
    post(pbx, **ringing(agent="21"))
    post(pbx, event="missed", call_id="c-1")

    [task] = Activity.objects.filter(kind=Kind.TASK)
    assert task.assignee == agent
    assert task.contact == anna
    assert task.status == "open"
    assert "Anna Schmidt" in task.subject
    assert call_activities().get().outcome == "missed"


def test_a_missed_call_without_an_agent_is_a_task_for_the_contacts_owner(pbx, anna, colleague):
    anna.owner = colleague
    anna.save(update_fields=["owner"])
    post(pbx, **ringing(agent=None))
    post(pbx, event="ended", call_id="c-1")

    [task] = Activity.objects.filter(kind=Kind.TASK)
    assert task.assignee == colleague


def test_the_call_back_task_is_made_once(pbx, anna, agent):
    post(pbx, **ringing())
    post(pbx, event="missed", call_id="c-1")
    post(pbx, event="ended", call_id="c-1")

    assert Activity.objects.filter(kind=Kind.TASK).count() == 1


def test_answered_after_missed_closes_the_call_back_task(pbx, anna, agent):
    post(pbx, **ringing())
    post(pbx, event="missed", call_id="c-1")
    post(pbx, event="answered", call_id="c-1", agent="rep")

    task = Activity.objects.get(kind=Kind.TASK)
    assert task.status == "done"
    assert call_activities().get().outcome == "answered"


def test_an_outbound_call_is_logged_on_the_called_contact(pbx, anna, agent):
    post(
        pbx,
        event="ringing",
        call_id="out-1",
        direction="outbound",
        agent="rita@example.invalid",
        **{"from": "21", "to": "0049 30 1234567"},
    )
    post(pbx, event="ended", call_id="out-1")

    call = call_activities().get()
    assert call.contact == anna
    assert call.direction == "outbound"
    assert call.outcome == "missed"
    assert not Activity.objects.filter(kind=Kind.TASK).exists()  # we called them


def test_an_unknown_number_is_still_logged(pbx, anna):
    response = pbx.post(URL, ringing(number="+49 89 7654321"))

    assert response.json()["matches"] == []
    assert response.json()["call"]["unknown_caller"] is True
    call = Call.objects.get()
    assert call.number == "+49897654321"
    assert call.activity is None
    assert not call_activities().exists()


def test_an_anonymous_caller_is_logged_without_a_number(pbx):
    response = pbx.post(URL, ringing(number="anonymous"))

    assert response.status_code == 200
    assert response.json()["matches"] == []
    assert Call.objects.get().number == ""


@pytest.mark.parametrize(
    "agent_name", ["rep", "REP", "rep@kontor.example", "21", "Rita Rep", "rita rep"]
)
def test_the_agent_is_known_by_username_email_extension_or_name(pbx, anna, agent, agent_name):
    post(pbx, **ringing(agent=agent_name))

    assert Call.objects.get().agent == agent


def test_an_unknown_agent_is_no_agent(pbx, anna):
    response = post(pbx, **ringing(agent="nobody"))

    assert response.status_code == 200
    assert Call.objects.get().agent is None


def test_a_numeric_call_id_is_accepted(pbx, anna):
    response = pbx.post(URL, {**ringing(), "call_id": 4711})

    assert response.status_code == 200
    assert response.json()["call_id"] == "4711"


def test_extra_fields_of_a_phone_system_are_ignored(pbx, anna):
    response = pbx.post(URL, {**ringing(), "trunk": "sip-1", "queue": {"name": "support"}})

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"event": "exploded", "call_id": "x"}, "event"),
        ({"event": "ringing"}, "call_id"),
        ({"event": "ringing", "call_id": ""}, "call_id"),
        ({"event": "ringing", "call_id": "x", "direction": "sideways"}, "direction"),
        ({"event": "ended", "call_id": "x", "duration_seconds": -1}, "duration_seconds"),
        ({"event": "ended", "call_id": "x", "duration_seconds": "long"}, "duration_seconds"),
        ({"event": "ringing", "call_id": "x", "from": "1" * 65}, "from"),
        ({"event": "ringing", "call_id": "a\x00b"}, "call_id"),
    ],
)
def test_a_bad_event_is_a_422_naming_the_field(pbx, body, field):
    response = pbx.post(URL, body)

    assert response.status_code == 422, response.content
    assert any(error["loc"][-1] == field for error in response.json()["detail"])
    assert not Call.objects.exists()


def test_a_body_that_is_no_json_is_a_422(pbx):
    response = pbx.post(URL, "not json")

    assert response.status_code in (400, 422)


# Authentication -----------------------------------------------------------------------


def test_a_signed_body_is_accepted_without_a_token(client, integration, secret, anna):
    raw, signature = signed(ringing(), secret)

    response = client.post(
        URL, raw, content_type="application/json", headers={"X-Kontor-Signature": signature}
    )

    assert response.status_code == 200, response.content
    assert response.json()["matches"][0]["id"] == str(anna.pk)


def test_a_signature_may_carry_the_sha256_prefix(client, integration, secret, anna):
    raw, signature = signed(ringing(), secret)

    response = client.post(
        URL,
        raw,
        content_type="application/json",
        headers={
            "X-Kontor-Signature": f"sha256={signature}",
            "X-Kontor-Integration": str(integration.pk),
        },
    )

    assert response.status_code == 200


def test_a_wrong_signature_is_refused(client, integration, secret, anna):
    raw, _signature = signed(ringing(), "not the secret")

    response = client.post(
        URL, raw, content_type="application/json", headers={"X-Kontor-Signature": _signature}
    )

    assert response.status_code == 401
    assert not Call.objects.exists()


def test_a_signature_over_another_body_is_refused(client, integration, secret):
    _raw, signature = signed(ringing(), secret)
    tampered = _raw.replace(b"c-1", b"c-2")

    response = client.post(
        URL, tampered, content_type="application/json", headers={"X-Kontor-Signature": signature}
    )

    assert response.status_code == 401


def test_no_signature_and_no_token_is_refused(client, integration):
    response = client.post(URL, ringing(), content_type="application/json")

    assert response.status_code == 401


def test_a_signature_of_an_inactive_integration_is_refused(client, integration, secret):
    integration.is_active = False
    integration.save(update_fields=["is_active"])
    raw, signature = signed(ringing(), secret)

    response = client.post(
        URL, raw, content_type="application/json", headers={"X-Kontor-Signature": signature}
    )

    assert response.status_code == 401


def test_a_token_of_a_user_who_is_no_phone_system_is_forbidden(api, integration):
    response = api.post(URL, ringing())

    assert response.status_code == 403
    assert "phone system" in response.json()["detail"]


def test_the_secret_in_the_url_is_accepted(client, integration, secret, anna):
    response = client.post(f"{URL}?token={secret}", ringing(), content_type="application/json")

    assert response.status_code == 200


def test_a_logged_in_colleague_cannot_post_call_events(client, user, integration):
    client.force_login(user)

    response = client.post(URL, ringing(), content_type="application/json")

    assert response.status_code == 401


def test_the_phone_system_sees_callers_as_its_user_sees_them(pbx_user, integration, anna):
    pbx_user.is_active = False
    pbx_user.save(update_fields=["is_active"])
    token_client = ApiClient("invalid")

    assert token_client.post(URL, ringing()).status_code == 401


def test_two_phone_systems_keep_their_call_ids_apart(pbx, admin_user, anna):
    from kontor.telephony.services import phone_integration_create

    other_user = UserFactory(username="pbx2")
    phone_integration_create(actor=admin_user, name="Branch PBX", user=other_user)
    other = api_client_for(other_user)

    pbx.post(URL, ringing())
    other.post(URL, ringing())

    assert Call.objects.count() == 2


def test_a_call_first_heard_of_without_numbers_is_matched_when_they_come(pbx, anna):
    post(pbx, event="ended", call_id="c-7", duration_seconds=30)
    assert not call_activities().exists()

    post(pbx, **ringing(call_id="c-7"))

    call = call_activities().get()
    assert call.contact == anna
    assert (call.outcome, call.duration_seconds) == ("answered", 30)
