"""sipgate.io push events: form-encoded, authenticated by the secret in the URL."""

import pytest

from kontor.activities.models import Activity, Kind
from kontor.telephony.models import Call

URL = "/api/v1/telephony/sipgate"


@pytest.fixture
def sipgate(client, secret):
    def post(**form):
        return client.post(f"{URL}?token={secret}", form)

    return post


def new_call(**extra) -> dict:
    return {
        "event": "newCall",
        "callId": "9A1B2C",
        "from": "4930123456789",
        "to": "4930555000",
        "direction": "in",
        "user[]": ["Rita Rep"],
        **extra,
    }


@pytest.fixture
def caller(user):
    from tests.factories import ContactFactory

    return ContactFactory(
        first_name="Bernd", last_name="Bauer", phones=["030 123456789"], owner=user
    )


def test_a_new_call_is_answered_with_xml_subscribing_to_answer_and_hangup(sipgate, secret, caller):
    response = sipgate(**new_call())

    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/xml"
    body = response.content.decode()
    assert "<Response" in body
    assert f'onAnswer="http://testserver{URL}?token={secret}"' in body
    assert f'onHangup="http://testserver{URL}?token={secret}"' in body


def test_digits_without_plus_find_the_caller(sipgate, caller, agent):
    sipgate(**new_call())

    call = Call.objects.get()
    assert call.number == "+4930123456789"
    assert call.contact == caller
    assert call.agent == agent  # "Rita Rep" in user[]


def test_answer_and_hangup_complete_the_call(sipgate, caller, agent):
    sipgate(**new_call())
    sipgate(
        event="answer",
        callId="9A1B2C",
        user="Rita Rep",
        direction="in",
        **{"from": "4930123456789"},
    )
    response = sipgate(event="hangup", callId="9A1B2C", cause="normalClearing", direction="in")

    assert response.status_code == 200
    assert response.content.decode().strip().endswith("<Response/>")
    activity = Activity.objects.get(kind=Kind.CALL)
    assert activity.outcome == "answered"
    assert activity.duration_seconds is not None
    assert activity.author == agent


@pytest.mark.parametrize(
    ("cause", "outcome"),
    [("busy", "busy"), ("cancel", "missed"), ("noAnswer", "missed"), ("notFound", "missed")],
)
def test_a_hangup_before_anybody_answered_is_a_missed_call(sipgate, caller, agent, cause, outcome):
    sipgate(**new_call())
    sipgate(event="hangup", callId="9A1B2C", cause=cause, direction="in")

    assert Activity.objects.get(kind=Kind.CALL).outcome == outcome
    assert Activity.objects.get(kind=Kind.TASK).assignee == agent


def test_normal_clearing_without_an_answer_is_missed(sipgate, caller):
    sipgate(**new_call())
    sipgate(event="hangup", callId="9A1B2C", cause="normalClearing")

    assert Activity.objects.get(kind=Kind.CALL).outcome == "missed"


def test_an_outgoing_call_is_matched_by_its_to_number(sipgate, caller):
    sipgate(
        **new_call(direction="out", **{"from": "4930555000", "to": "4930123456789"}),
    )

    assert Activity.objects.get(kind=Kind.CALL).direction == "outbound"
    assert Call.objects.get().contact == caller


def test_an_anonymous_caller_is_logged(sipgate):
    response = sipgate(**new_call(**{"from": "anonymous"}))

    assert response.status_code == 200
    assert Call.objects.get().is_unknown_caller


def test_events_kontor_does_not_use_are_acknowledged(sipgate):
    response = sipgate(event="dtmf", callId="9A1B2C", dtmf="1")

    assert response.status_code == 200
    assert not Call.objects.exists()


def test_a_wrong_token_is_refused(client, integration):
    response = client.post(f"{URL}?token=guessed", new_call())

    assert response.status_code == 401
    assert not Call.objects.exists()


def test_no_token_is_refused(client, integration):
    assert client.post(URL, new_call()).status_code == 401


def test_a_signed_form_is_accepted(client, integration, secret, caller):
    import hashlib
    import hmac
    from urllib.parse import urlencode

    body = urlencode(new_call(), doseq=True).encode()
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()

    response = client.post(
        URL,
        body,
        content_type="application/x-www-form-urlencoded",
        headers={"X-Kontor-Signature": signature},
    )

    assert response.status_code == 200
    assert Call.objects.get().contact == caller


def test_a_call_id_too_long_is_a_422(sipgate):
    response = sipgate(**new_call(callId="x" * 300))

    assert response.status_code == 422
