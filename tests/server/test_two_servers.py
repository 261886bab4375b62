"""Two `kontor serve` processes on different ports against one database
behave as one server: a login made through one works on the other, the API
rate limit counts requests to both, a count written to the cache through
one is read by the other, and a screen pop raised through one reaches an
event stream connected to the other. (Within one server's worker
processes the same is shown by tests/api/test_concurrency.py,
tests/security/test_api_throttling.py and tests/events.)"""

import http.client
import json
import re

import pytest

from tests.core.scratch import kontor, scratch_database, two_servers

PASSWORD = "a long two-server test password"
LIMIT = 10

CONNECT_THE_PHONE_SYSTEM = """
from django.contrib.auth import get_user_model
from kontor.telephony.services import phone_integration_create

agent = get_user_model().objects.get(username="agent")
phone_integration_create(actor=agent, name="Office PBX", user=agent)
"""


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    var_dir = tmp_path_factory.mktemp("two-servers")
    with scratch_database(var_dir, "two", migrated=True) as url:
        kontor(
            "createsuperuser", "--noinput", "--username=agent", "--email=agent@example.com",
            url=url, var_dir=var_dir, DJANGO_SUPERUSER_PASSWORD=PASSWORD,
        )  # fmt: skip
        kontor("shell", "-c", CONNECT_THE_PHONE_SYSTEM, url=url, var_dir=var_dir)
        env = {
            "KONTOR_API_RATE_LIMIT": f"{LIMIT}/minute",
            "KONTOR_EVENT_STREAM_SECONDS": "120",  # only ends a broken test
        }
        with two_servers(url, var_dir, **env) as servers:
            yield servers


def _request(
    port: int, method: str, path: str, body: str | None = None, headers: dict | None = None
) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request(method, path, body, headers or {})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def _cookies(response: http.client.HTTPResponse) -> dict[str, str]:
    found = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        found[name] = rest.split(";", 1)[0]
    return found


def test_a_login_made_through_one_server_works_on_the_other(servers):
    form = http.client.HTTPConnection("127.0.0.1", servers.a, timeout=60)
    form.request("GET", "/accounts/login/")
    page = form.getresponse()
    html = page.read().decode()
    csrf = _cookies(page)["csrftoken"]
    field = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[0]
    body = f"username=agent&password={PASSWORD.replace(' ', '+')}&csrfmiddlewaretoken={field}"
    login = _request(
        servers.a,
        "POST",
        "/accounts/login/",
        body,
        {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={csrf}"},
    )
    assert login.status == 302, login.status
    session = _cookies(login)["sessionid"]

    # Server B has never seen this browser: the session is in the database.
    page_on_b = _request(servers.b, "GET", "/contacts/", headers={"Cookie": f"sessionid={session}"})
    assert page_on_b.status == 200
    anonymous = _request(servers.b, "GET", "/contacts/")
    assert anonymous.status == 302
    assert anonymous.getheader("Location").startswith("/accounts/login/")


def _statuses(port_of_request, token: str, count: int) -> list[tuple[int, int]]:
    """(port, status) of ``count`` requests, one after another."""
    answers = []
    for n in range(count):
        port = port_of_request(n)
        response = _request(
            port, "GET", "/api/v1/tokens", headers={"Authorization": f"Bearer {token}"}
        )
        answers.append((port, response.status))
    return answers


def _first_limit_reached_once(answers: list[tuple[int, int]]) -> bool:
    """Whether the answers are LIMIT times 200 and then only 429: else the
    requests fell into two counting windows, which proves nothing."""
    statuses = [status for _port, status in answers]
    return statuses == [200] * LIMIT + [429] * (len(statuses) - LIMIT)


def test_the_rate_limit_counts_the_requests_to_both_servers(servers):
    for _attempt in range(3):
        answers = _statuses(
            lambda n: (servers.a, servers.b)[n % 2], servers.token("agent"), 2 * LIMIT
        )
        if _first_limit_reached_once(answers):
            break
    # Ten requests to each: a count per server would have let all through.
    assert [status for _port, status in answers] == [200] * LIMIT + [429] * LIMIT, answers
    assert {port for port, status in answers if status == 429} == {servers.a, servers.b}


def test_a_count_written_to_the_cache_through_one_server_is_read_by_the_other(servers):
    for _attempt in range(3):
        token = servers.token("agent")
        through_a = _statuses(lambda n: servers.a, token, LIMIT)
        then_b = _statuses(lambda n: servers.b, token, 1)
        if _first_limit_reached_once(through_a + then_b):
            break
    # B has answered no request of this token: it refuses the eleventh
    # because it reads the count that A wrote into the shared cache.
    assert [status for _port, status in through_a] == [200] * LIMIT
    assert then_b == [(servers.b, 429)]


def test_a_screen_pop_raised_through_one_server_reaches_a_stream_on_the_other(servers):
    token = servers.token("agent")
    stream = http.client.HTTPConnection("127.0.0.1", servers.b, timeout=120)
    stream.request(
        "GET",
        "/api/v1/events/stream",
        headers={"Authorization": f"Bearer {token}", "Accept": "text/event-stream"},
    )
    events = stream.getresponse()
    assert events.status == 200
    assert events.readline()  # the stream is open on B

    ringing = {
        "event": "ringing",
        "call_id": "two-servers-1",
        "from": "+49 30 9876543",
        "to": "21",
        "direction": "inbound",
        "agent": "agent",
    }
    other_token = servers.token("agent")  # its own counter: the limit stays far away
    raised = _request(
        servers.a,
        "POST",
        "/api/v1/telephony/events",
        json.dumps(ringing),
        {"Authorization": f"Bearer {other_token}", "Content-Type": "application/json"},
    )
    assert raised.status == 200, raised.status

    received: list[str] = []
    while not any(line.startswith("data:") and "two-servers-1" in line for line in received):
        line = events.readline().decode()
        assert line, f"the stream ended without the call: {received}"
        received.append(line.strip())
    assert "event: call" in received
    stream.close()
