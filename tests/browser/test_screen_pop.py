"""The screen pop in a real browser: the phone system reports a ringing call
and the agent's open page shows the caller."""

import hashlib
import hmac
import json
import urllib.request

import pytest
from playwright.sync_api import expect

from kontor.activities.models import Activity, Kind
from kontor.events.wakeup import process_wakeup
from kontor.telephony.models import Call
from kontor.telephony.services import phone_integration_create
from tests.browser.conftest import log_in
from tests.factories import ContactFactory, OrganizationFactory, UserFactory
from tests.telephony.conftest import give_role

pytestmark = pytest.mark.browser
STREAM = "/api/v1/events/stream"


@pytest.fixture(autouse=True)
def short_streams(settings):
    """Streams end (and the browser reconnects) every few seconds, so that no
    server thread outlives the test for long."""
    settings.KONTOR_EVENT_STREAM_SECONDS = 5
    yield
    process_wakeup.stop()


@pytest.fixture
def agent(rep):
    return give_role(rep, "sales")


@pytest.fixture
def phone_system(transactional_db):
    admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
    pbx = give_role(UserFactory(username="pbx"), "service")
    _integration, secret = phone_integration_create(actor=admin, name="PBX", user=pbx)
    return secret


@pytest.fixture
def caller(agent):
    organization = OrganizationFactory(name="Bäckerei Schulze GmbH", owner=agent)
    return ContactFactory(
        first_name="Anna",
        last_name="Schulze",
        organization_id=organization.pk,
        phones=["030 4401230-12"],
        owner=agent,
    )


def ring(live_server, secret: str, number: str, call_id: str = "c-1") -> dict:
    body = json.dumps(
        {"event": "ringing", "call_id": call_id, "from": number, "to": "21",
         "direction": "inbound", "agent": "rep"}
    ).encode()  # fmt: skip
    request = urllib.request.Request(  # noqa: S310 (the test's own server)
        f"{live_server.url}/api/v1/telephony/events",
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-Kontor-Signature": "sha256="
            + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest(),
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read())


def wait_for_stream(page) -> None:
    expect(page.locator("[data-screen-pops][data-stream-state=open]")).to_have_count(1)


def test_the_agent_sees_the_caller_and_clicks_through_to_the_360_view(
    page, live_server, agent, caller, phone_system, settings
):
    """The pop comes on the stream that was open when the phone rang: pushed
    to the page, not found on a reconnect (how fast is `kontor bench`'s
    business, not a test's)."""
    settings.KONTOR_EVENT_STREAM_SECONDS = 30
    streams_opened: list[str] = []
    page.on(
        "request",
        lambda request: streams_opened.append(request.url) if STREAM in request.url else None,
    )
    log_in(page)
    wait_for_stream(page)
    streams_before_the_call = len(streams_opened)

    answer = ring(live_server, phone_system, "+49 30 4401230-12")
    pop = page.get_by_test_id("screen-pop")
    expect(pop).to_be_visible(timeout=20_000)

    assert len(streams_opened) == streams_before_the_call
    expect(page.locator("[data-screen-pops]")).to_have_attribute("data-stream-state", "open")
    assert [m["display_name"] for m in answer["matches"]] == ["Anna Schulze"]
    expect(pop.get_by_role("heading", name="Anna Schulze")).to_be_visible()
    expect(pop).to_contain_text("Bäckerei Schulze GmbH")
    expect(pop).to_contain_text("Lead")
    expect(pop).to_contain_text("No open tasks.")
    expect(pop.get_by_role("link", name="+4930440123012")).to_have_attribute(
        "href", "tel:+4930440123012"
    )

    pop.get_by_role("link", name="Open 360° view").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Anna Schulze")
    timeline = page.get_by_test_id("timeline")
    expect(timeline.locator("li.entry--call")).to_contain_text("Incoming call")
    assert Activity.objects.get(kind=Kind.CALL).contact == caller


def test_an_unknown_caller_becomes_a_contact_with_one_click(page, live_server, agent, phone_system):
    log_in(page)
    wait_for_stream(page)

    ring(live_server, phone_system, "0171 5550001")

    pop = page.get_by_test_id("screen-pop")
    expect(pop.get_by_role("heading", name="Unknown caller")).to_be_visible(timeout=20_000)
    pop.get_by_role("button", name="Create contact").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("+491715550001")
    expect(page.get_by_test_id("timeline").locator("li.entry--call")).to_be_visible()
    call = Call.objects.get()
    assert call.contact is not None and call.activity.contact == call.contact


def test_the_pop_can_be_dismissed(page, live_server, agent, caller, phone_system):
    log_in(page)
    wait_for_stream(page)
    ring(live_server, phone_system, "+49 30 4401230-12")
    pop = page.get_by_test_id("screen-pop")
    expect(pop).to_be_visible(timeout=20_000)

    pop.get_by_role("button", name="Close").click()

    expect(pop).to_have_count(0)
