"""The export that answers an access or portability request: a ZIP with
data.json (valid against the schema.json beside it), summary.html in German
and English, and the stored files; everything about the person, nothing
about anyone else; recorded in the audit trail."""

import io
import json
import zipfile

import jsonschema
import pytest

from kontor.audit.models import AuditAction, AuditEntry
from tests.conftest import api_client_for
from tests.factories import UserFactory
from tests.privacy.helpers import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_webhooks(settings):
    settings.KONTOR_WEBHOOKS_ALLOW_PRIVATE = True


@pytest.fixture
def admin():
    return UserFactory(username="privacy-admin", roles=["administrator"], is_superuser=True)


@pytest.fixture
def dpo():
    return UserFactory(username="dpo", roles=["data-protection-officer"])


def _export(dpo, person):
    api = api_client_for(dpo)
    created = api.post(
        "/api/v1/privacy/requests", {"type": "access", "contact_id": str(person.contact.pk)}
    )
    assert created.status_code == 201, created.content
    response = api.get(f"/api/v1/privacy/requests/{created.json()['id']}/export")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    content = b"".join(response.streaming_content)
    return created.json(), zipfile.ZipFile(io.BytesIO(content))


def test_the_export_holds_everything_about_the_person_and_nothing_else(admin, dpo):
    person = make_person(admin, "Zqalice", phone="030 4444444", with_webhook=True)
    other = make_person(admin, "Zqbob", phone="030 5555555", with_webhook=True)

    request, archive = _export(dpo, person)

    names = archive.namelist()
    assert {"data.json", "schema.json", "summary.html"} <= set(names)
    data = json.loads(archive.read("data.json"))
    records = data["records"]

    def ids(key):
        return {item["id"] for item in records[key]["items"]}

    assert ids("contact") == {str(person.contact.pk)}
    assert ids("activity") >= {str(person.note.pk), str(person.email_activity.pk)}
    assert ids("received_email") == {str(person.message.pk)}
    assert ids("call") == {str(person.call.pk)}
    assert ids("file") == {str(person.attachment.pk)}
    assert ids("deal") == {str(person.deal.pk)}
    assert ids("quote") == {str(person.quote.pk)}
    assert ids("order") == {str(person.order.pk)}
    assert ids("invoice") == {str(person.invoice.pk)}
    assert ids("consent") == {str(person.consent.pk)}

    contact = records["contact"]["items"][0]["data"]
    text = json.dumps(contact)
    assert person.email in text  # contact points
    assert "+49304444444" in text
    assert f"{person.marker}-44" in text  # custom fields
    invoice = records["invoice"]["items"][0]["data"]
    assert invoice["gross_amount"] == "119.00"  # financial data too

    # The raw message and the stored file, as they are stored.
    message_item = records["received_email"]["items"][0]
    assert [archive.read(path) for path in message_item["files"]] == [person.raw]
    assert ids("sent_email") == {str(person.sent.pk)}
    sent_item = records["sent_email"]["items"][0]
    assert [archive.read(path) for path in sent_item["files"]] == [bytes(person.sent.raw)]
    file_item = records["file"]["items"][0]
    assert [archive.read(path) for path in file_item["files"]] == [person.file_bytes]
    assert all(name in names for name in message_item["files"] + file_item["files"])

    # Who received the data: the webhook that was sent the contact.
    assert [r["name"] for r in data["recipients"]] == ["http://127.0.0.1:9/zqalice-hook"]
    assert data["recipients"][0]["count"] == 1
    assert {r["setting"] for r in data["retention"]} >= {"KONTOR_AUDIT_RETENTION_DAYS"}
    assert data["request"] == {
        "id": request["id"],
        "type": "access",
        "received_on": request["received_on"],
        "deadline": request["deadline"],
    }

    # Nothing of the other person anywhere in the archive.
    everything = b"".join(archive.read(name) for name in names)
    others = [other.marker, other.email, "+49305555555", "zqbob-hook"]
    others += [str(r.pk) for r in (other.contact, other.note, other.deal, other.invoice)]
    for leaked in others:
        assert leaked.encode() not in everything, leaked


def test_data_json_validates_against_schema_json(admin, dpo):
    person = make_person(admin, "Zqcarol", phone="030 6666666", with_webhook=True)
    _request, archive = _export(dpo, person)
    schema = json.loads(archive.read("schema.json"))
    data = json.loads(archive.read("data.json"))

    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    ).validate(data)
    assert schema["description"]
    assert set(schema["properties"]["records"]["required"]) >= {
        "contact", "activity", "file", "deal", "quote", "order", "invoice", "received_email",
        "sent_email", "call",
    }  # fmt: skip

    broken = {**data, "records": {**data["records"], "deal": {"items": [{"id": 1}]}}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_the_summary_is_in_german_and_english(admin, dpo):
    person = make_person(admin, "Zqdora", phone="030 7777777")
    _request, archive = _export(dpo, person)
    summary = archive.read("summary.html").decode()

    assert '<section lang="de">' in summary
    assert '<section lang="en">' in summary
    german, english = summary.split('<section lang="en">')
    assert "Wer Ihre Daten erhalten hat" in german
    assert "Who received your data" in english
    assert "Auskunft (Art. 15)" in german
    assert "access (Art. 15)" in english
    assert "Zqdora Person" in summary
    assert "Rechnungen" in german and "Invoices" in english


def test_the_export_is_audited_naming_the_request(admin, dpo):
    person = make_person(admin, "Zqemil", phone="030 8888888")
    request, _archive = _export(dpo, person)

    entry = AuditEntry.objects.get(action=AuditAction.EXPORT, object_id=request["id"])
    assert entry.actor_id == dpo.pk
    assert entry.object_type == "privacy.datasubjectrequest"
    assert entry.changes["count"][1] >= 9
    assert entry.changes["files"][1] == 3


def test_only_access_and_portability_requests_have_an_export(admin, dpo):
    person = make_person(admin, "Zqfrank", phone="030 1212121")
    api = api_client_for(dpo)
    created = api.post(
        "/api/v1/privacy/requests", {"type": "erasure", "contact_id": str(person.contact.pk)}
    ).json()

    response = api.get(f"/api/v1/privacy/requests/{created['id']}/export")

    assert response.status_code == 422
    assert "access and portability" in response.json()["detail"][0]["msg"]
    assert not AuditEntry.objects.filter(action=AuditAction.EXPORT).exists()
