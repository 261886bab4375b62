"""No request, however malformed, makes the API fail with a 500: every
endpoint of contacts, organizations and the lookup answers garbage with a 4xx
and a JSON body that says what was wrong. Runs on SQLite and PostgreSQL, whose
drivers refuse different things (NUL characters, integer ranges, lengths)."""

import base64
import json

import pytest

from kontor.contacts.models import Contact, Organization
from tests.contacts.api_support import stored_state
from tests.factories import ContactFactory, OrganizationFactory

DEEP = {"a": None}
for _ in range(900):
    DEEP = {"a": DEEP}

# Bodies no create or update may accept. Strings are sent as they are (raw
# JSON or not JSON at all); anything else is sent as JSON.
GARBAGE_BODIES = [
    "{bad json",
    "{'single': 'quotes'}",
    b"\xff\xfe\x00\x01",
    "[" * 100_000 + "]" * 100_000,
    "null",
    "[]",
    '"text"',
    "42",
    "true",
    '{"first_name": NaN}',
    '{"first_name": Infinity}',
    '{"first_name": "\\ud800"}',
    '{"name": "\\udfff"}',
    '{"first_name": "a", "first_name": 1}',
    {"first_name": 1, "name": 1},
    {"first_name": ["Anna"], "name": ["ACME"]},
    {"first_name": {"$ne": None}, "name": {"$ne": None}},
    {"first_name": "\x00", "name": "\x00"},
    {"first_name": "x" * 100_000, "name": "x" * 100_000},
    {"notes": "\x00"},
    {"emails": "anna@example.com"},
    {"emails": {"address": "anna@example.com"}},
    {"emails": [None]},
    {"emails": [[]]},
    {"emails": [{}]},
    {"emails": [{"address": None}]},
    {"emails": [{"address": 42}]},
    {"emails": [{"address": "anna@example.com", "label": None}]},
    {"emails": [{"address": "anna@example.com", "label": "office"}]},
    {"emails": [{"address": "anna@example.com", "extra": 1}]},
    {"emails": [{"address": "x" * 400}]},
    {"emails": [{"address": "a\x00@example.com"}]},
    {"emails": [{"address": f"a{i}@example.com"} for i in range(51)]},
    {"email": 42},
    {"email": ["anna@example.com"]},
    {"email": "anna@"},
    {"email": "@" * 300},
    {"phones": "030 1234567"},
    {"phones": [{"number": 301234567}]},
    {"phones": [{"number": "030 1234567", "label": "home"}]},
    {"phone": 301234567},
    {"phone": "+" + "9" * 60},
    {"phone": "9" * 65},
    {"phone": "\x00"},
    {"phone": "030 1234567\x00"},
    {"phone": "+49 30 1234567 ext. 12345678901234567890"},
    {"phone": "no number"},
    {"custom": "x"},
    {"custom": []},
    {"custom": {"": 1}},
    {"custom": {"\x00": 1}},
    {"custom": {"nested": {"junk": [{"deeper": [[[]]]}]}}},
    {"custom": DEEP},
    {"tags": "vip"},
    {"tags": [1]},
    {"tags": [None]},
    {"tags": [["vip"]]},
    {"tags": ["x" * 10_000]},
    {"tags": ["v\x00ip"]},
    {"organization_id": "acme"},
    {"organization_id": 1},
    {"organization_id": "00000000-0000-0000-0000-000000000000"},
    {"owner_id": "me"},
    {"owner_id": 1e300},
    {"owner_id": 10**40},
    {"owner_id": -1},
    {"owner_id": 0},
    {"lifecycle_stage": 1},
    {"lifecycle_stage": None},
    {"lifecycle_stage": "LEAD"},
    {"id": "0190e123-4567-789a-bcde-f0123456789a"},
    {"created_at": "2024-01-01T00:00:00Z"},
    {"display_name": "x"},
    {"unknown": 1},
    {"first_name": None, "last_name": None, "name": None, "website": None, "emails": []},
]

PATCH_ONLY_GARBAGE = [
    {"version": "one"},
    {"version": -1},
    {"version": 10**40},
    {"version": 1.5},
    {"version": None, "unknown": True},
]


@pytest.fixture
def records(db):
    return {
        "contact": ContactFactory(first_name="Anna", last_name="", emails=[], phones=[]),
        "organization": OrganizationFactory(name="ACME"),
    }


def _send(api, method: str, path: str, body):
    if isinstance(body, str | bytes):
        return getattr(api, method)(path, body)
    return getattr(api, method)(path, json.dumps(body))


def _assert_rejected(response) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()


@pytest.mark.parametrize("body", GARBAGE_BODIES)
@pytest.mark.parametrize("path", ["/api/v1/contacts", "/api/v1/organizations"])
def test_a_create_rejects_garbage(api, records, path, body):
    response = _send(api, "post", path, body)

    _assert_rejected(response)
    assert Contact.objects.count() == 1
    assert Organization.objects.count() == 1


@pytest.mark.parametrize("body", GARBAGE_BODIES + PATCH_ONLY_GARBAGE)
@pytest.mark.parametrize("kind", ["contact", "organization"])
def test_an_update_rejects_garbage_and_changes_nothing(api, records, kind, body):
    record = records[kind]
    before = stored_state(record)

    response = _send(api, "patch", f"/api/v1/{kind.replace('y', 'ie')}s/{record.pk}", body)

    _assert_rejected(response)
    assert stored_state(record) == before


def test_a_body_larger_than_allowed_is_rejected(api, records):
    response = api.post("/api/v1/contacts", {"first_name": "A", "notes": "x" * 3_000_000})

    assert response.status_code == 413
    assert response.json() == {"detail": "The request body is too large."}


def test_a_form_instead_of_json_is_rejected(api, records):
    response = api.generic(
        "POST",
        "/api/v1/contacts",
        "first_name=Anna",
        content_type="application/x-www-form-urlencoded",
    )

    _assert_rejected(response)


def _cursor(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


UUID = "0190e123-4567-789a-bcde-f0123456789a"
GARBAGE_QUERIES = [
    {"limit": "-1"},
    {"limit": "0"},
    {"limit": "1e9"},
    {"limit": "ten"},
    {"limit": "9" * 30},
    {"cursor": "!!!"},
    {"cursor": "x" * 501},
    {"cursor": "%00"},
    {"cursor": "äöü"},
    {"cursor": _cursor([])},
    {"cursor": _cursor({"a": 1})},
    {"cursor": _cursor(["x", "y"])},
    {"cursor": _cursor([1, 2])},
    {"cursor": _cursor([None, None])},
    {"cursor": _cursor([["2024-01-01T00:00:00+00:00"], UUID])},
    {"cursor": _cursor(["2024-01-01T00:00:00", UUID])},
    {"cursor": _cursor(["2024-01-01T00:00:00+00:00", "not-a-uuid"])},
    {"cursor": _cursor(["9999-12-31T23:59:59-14:00", UUID])},
    {"cursor": _cursor(["0001-01-01T00:00:00+14:00", UUID])},
    {"cursor": _cursor(["2024-01-01T00:00:00+00:00", UUID, "extra"])},
    {"cursor": base64.urlsafe_b64encode(b"\xff\xfe" * 10).decode()},
    {"q": "x" * 201},
    {"lifecycle_stage": "hot"},
    {"lifecycle_stage": ""},
    {"owner_id": "me"},
    {"owner_id": "-1"},
    {"owner_id": str(10**40)},
    {"owner_id": "1.5"},
    {"tag": "x" * 65},
]


@pytest.mark.parametrize("params", GARBAGE_QUERIES)
@pytest.mark.parametrize("path", ["/api/v1/contacts", "/api/v1/organizations"])
def test_a_list_rejects_garbage_parameters(api, records, path, params):
    _assert_rejected(api.get(path, params))


@pytest.mark.parametrize("params", [{"organization_id": "acme"}, {"organization_id": "1"}])
def test_the_contact_list_rejects_an_organization_that_is_no_id(api, records, params):
    _assert_rejected(api.get("/api/v1/contacts", params))


@pytest.mark.parametrize(
    "params",
    [
        {"q": "\x00"},
        {"q": "%"},
        {"q": "_"},
        {"q": "\\"},
        {"q": "' OR 1=1 --"},
        {"q": "+49 (0) ---"},
        {"q": "0" * 200},
        {"q": "a " * 100},
        {"tag": "\x00"},
        {"owner_id": "9223372036854775807"},
        {"organization_id": UUID},
        {"unknown": "1"},
        {"limit": "1", "cursor": ""},
    ],
)
def test_odd_but_valid_list_parameters_answer_normally(api, records, params):
    response = api.get("/api/v1/contacts", params)

    assert response.status_code == 200, response.content
    assert set(response.json()) == {"items", "next"}


GARBAGE_IDS = [
    "x",
    "1",
    "-1",
    "%00",
    "%FF%FE",
    "0" * 1000,
    "0190e123-4567-789a-bcde-f0123456789",
    "{0190e123-4567-789a-bcde-f0123456789a}",
    "..%2F..%2Fetc%2Fpasswd",
    "null",
    UUID,
]


@pytest.mark.parametrize("record_id", GARBAGE_IDS)
@pytest.mark.parametrize("kind", ["contacts", "organizations"])
@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_an_unknown_or_malformed_id_is_not_found(api, records, method, kind, record_id):
    path = f"/api/v1/{kind}/{record_id}"

    response = api.patch(path, {"notes": "x"}) if method == "patch" else getattr(api, method)(path)

    assert response.status_code == 404, response.content
    assert response.json()["detail"].startswith("Not found")


@pytest.mark.parametrize("if_match", ["abc", '"1', "1, 2", "-1", "9" * 20, '""', "W/"])
def test_an_if_match_that_is_no_version_is_rejected(api, records, if_match):
    contact = records["contact"]
    before = stored_state(contact)

    response = api.patch(
        f"/api/v1/contacts/{contact.pk}", {"first_name": "X"}, headers={"If-Match": if_match}
    )

    _assert_rejected(response)
    assert stored_state(contact) == before


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"unknown": "1"},
        {"email": ""},
        {"email": "x"},
        {"email": "@"},
        {"email": "a@b@c.de"},
        {"email": "a\x00@example.com"},
        {"email": "a@-.de"},
        {"email": "x" * 321},
        {"phone": "1" * 65},
        {"phone": "030 1234567", "email": "broken"},
    ],
)
def test_the_lookup_rejects_garbage(api, records, params):
    _assert_rejected(api.get("/api/v1/lookup", params))


@pytest.mark.parametrize(
    "phone",
    ["", " ", "+", "abc", "\x00", "0" * 64, "tel:;ext=", "+49 30 1234567 ext. " + "9" * 40, "٣٠"],
)
def test_the_lookup_finds_nothing_for_a_number_that_is_none(api, records, phone):
    response = api.get("/api/v1/lookup", {"phone": phone})

    assert response.status_code == 200
    assert response.json() == {"matches": [], "restricted": False}


@pytest.mark.parametrize("path", ["/api/v1/contacts", "/api/v1/organizations", "/api/v1/lookup"])
def test_a_method_an_endpoint_does_not_offer_is_not_allowed(api, records, path):
    for response in (api.put(path), api.delete(path)):
        assert response.status_code == 405
        assert "detail" in response.json()


@pytest.mark.parametrize(
    "path", ["/api/v1/contacts/", "/api/v1/contact", "/api/v2/contacts", "/api/", "/api/v1/%00"]
)
def test_an_unknown_api_path_is_not_found_in_json(api, path):
    response = api.get(path)

    assert response.status_code == 404
    assert response.json()["detail"].startswith("Not found")
