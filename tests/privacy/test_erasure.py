"""Executing an erasure request (GDPR Art. 17): the erasure proof — a
person with one of everything Kontor holds, erased, then the whole
database, the file storage and the warehouse export searched for any of
their names, addresses, numbers (every written form) and the text of their
emails; only the sales documents the law makes Kontor keep may still name
them, and exactly those are listed as kept. Plus: who may execute, which
requests, executing twice, the suppression list and the page."""

import datetime
import json
import os
import re
import shutil
import subprocess
from email.message import EmailMessage
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone
from uuid6 import uuid7

from kontor.activities.services import activity_create
from kontor.audit.models import AuditAction, AuditEntry
from kontor.consent.models import OptIn, Purpose
from kontor.consent.services import consent_record
from kontor.contacts.models import Contact
from kontor.contacts.services import contact_create
from kontor.core.erasure import is_suppressed
from kontor.customfields.models import CustomFieldDefinition
from kontor.events.models import OutboxEvent
from kontor.files.services import attachment_create
from kontor.integration.email.services import email_send
from kontor.integration.models import WebhookDelivery
from kontor.integration.webhooks.services import subscription_create
from kontor.mail.models import Source
from kontor.mail.services import message_ingest
from kontor.notifications.services import notify
from kontor.privacy.models import DataSubjectRequest, Suppression
from kontor.sales import services as sales
from kontor.telephony.services import CallEventData, call_event_receive, phone_integration_create
from kontor.warehouse.export import export as warehouse_export
from tests.conftest import api_client_for
from tests.factories import UserFactory

URL = "/api/v1/privacy/requests"
FIRST, LAST = "Xyerika", "Xymusterfrau"
EMAILS = ("Xyerika.Xymusterfrau@XYmail.example", "erika@xywork.example")
PHONES = ("030 4567890", "+49 171 2345678")
PHONE_FORMS = (
    "+49304567890",
    "030 4567890",
    "0304567890",
    "49304567890",
    "+491712345678",
    "0171 2345678",
    "01712345678",
)
FREE_TEXT = ("xymailbodytext", "xyattachedcontent", "xynotetext", "xyfilecontent", "xysubject")


def needles() -> list[str]:
    return [
        FIRST.lower(),
        LAST.lower(),
        *(email.lower() for email in EMAILS),
        *PHONE_FORMS,
        *FREE_TEXT,
    ]


@pytest.fixture(autouse=True)
def _setup(settings, tmp_path):
    settings.KONTOR_WEBHOOKS_ALLOW_PRIVATE = True
    settings.KONTOR_WAREHOUSE_DIR = str(tmp_path / "warehouse")


@pytest.fixture
def admin():
    return UserFactory(username="privacy-admin", roles=["administrator"], is_superuser=True)


@pytest.fixture
def dpo():
    return UserFactory(username="dpo", roles=["data-protection-officer"])


def _mail_with_attachment() -> bytes:
    message = EmailMessage()
    message["From"] = f"{FIRST} {LAST} <{EMAILS[0]}>"
    message["To"] = "sales@company.example"
    message["Subject"] = "xysubject offer"
    message["Message-ID"] = "<xy-1@mail.example>"
    message.set_content("Hello, xymailbodytext. Call me on 0171 2345678.")
    message.add_attachment(
        b"xyattachedcontent", maintype="application", subtype="octet-stream", filename="cv.bin"
    )
    return message.as_bytes()


def make_person(admin):
    CustomFieldDefinition.objects.get_or_create(
        object_type="contact",
        key="hobby",
        defaults={"label": "Hobby", "field_type": "text", "category": "personal"},
    )
    contact = contact_create(
        actor=admin,
        data={
            "first_name": FIRST,
            "last_name": LAST,
            "emails": [{"address": address} for address in EMAILS],
            "phones": [{"number": number} for number in PHONES],
            "notes": "xynotetext about her",
            "custom": {"hobby": "xynotetext sailing"},
        },
    )
    other = contact_create(actor=admin, data={"first_name": "Otto", "last_name": "Other"})
    newsletter = Purpose.objects.create(key="newsletter", name="Newsletter")
    consent_record(
        actor=admin,
        contact=contact,
        purpose_key="newsletter",
        data={"status": "granted", "text_version": "v1", "channel": f"web form of {EMAILS[0]}"},
    )
    # An opt-in email asked of her, still unconfirmed.
    OptIn.objects.create(contact=contact, purpose=newsletter, address=EMAILS[0])
    activity_create(
        actor=admin, data={"kind": "note", "body": "xynotetext call", "contact_id": contact.pk}
    )
    message = message_ingest(actor=admin, raw=_mail_with_attachment(), source=Source.API).message
    pbx = UserFactory(username="pbx-user", roles=["service"])
    integration, _secret = phone_integration_create(actor=admin, name="PBX", user=pbx)
    call_event_receive(
        integration=integration,
        data=CallEventData(event="ringing", call_id="call-1", from_number="+49304567890",
                           to_number="030 9999999"),
        request=RequestFactory().get("/"),
    )  # fmt: skip
    attachment_create(
        actor=admin, upload=SimpleUploadedFile("cv.txt", b"xyfilecontent"), contact=contact
    )
    product = sales.product_create(
        actor=admin, data={"sku": "SKU-1", "name": "Widget", "net_price": "10", "tax_rate": "19"}
    )
    deal = sales.deal_create(
        actor=admin, data={"title": f"{FIRST} deal", "contact_id": contact.pk, "amount": "100"}
    )
    quote = sales.quote_create(
        actor=admin,
        data={"deal_id": deal.pk, "contact_id": contact.pk,
              "lines": [{"product_id": product.pk, "quantity": "2"}]},
    )  # fmt: skip
    order = sales.order_create(
        actor=admin,
        data={"contact_id": contact.pk, "order_date": "2026-03-01",
              "lines": [{"product_id": product.pk, "quantity": "1"}]},
    )  # fmt: skip
    invoice = sales.invoice_create(
        actor=admin,
        data={"number": "RE-1", "gross_amount": "119", "contact_id": contact.pk,
              "invoice_date": "2026-01-01", "due_date": "2026-01-31"},
    )  # fmt: skip
    email_send(actor=admin, to=[EMAILS[0]], subject="Re: offer", text="xymailbodytext answer",
               contact=contact)  # fmt: skip
    subscription, _secret = subscription_create(
        actor=admin, data={"url": "http://127.0.0.1:9/hook", "events": ["*"]}
    )
    now = timezone.now()
    WebhookDelivery.objects.create(
        subscription=subscription, event_id=uuid7(), event_name="contact.updated",
        model="contacts.Contact", record_id=str(contact.pk),
        record_key=f"contacts.Contact:{contact.pk}", occurred_at=now, sequence=1,
        status="delivered", next_attempt_at=now, give_up_at=now + datetime.timedelta(days=1),
        attempts=1, delivered_at=now,
        payload=json.dumps({"data": {"display_name": f"{FIRST} {LAST}", "email": EMAILS[0]}}),
    )  # fmt: skip
    notify(recipient=admin, message=f"Call {FIRST} {LAST} back on 030 4567890")
    warehouse_export(Path(settings.KONTOR_WAREHOUSE_DIR))
    return contact, other, message, (quote, order, invoice)


def _request(dpo, contact, kind="erasure"):
    api = api_client_for(dpo)
    created = api.post(URL, {"type": kind, "contact_id": str(contact.pk)})
    assert created.status_code == 201, created.content
    return api, created.json()["id"]


# The dumps ----------------------------------------------------------------------


def _database_rows() -> list[tuple[str, str]]:
    """``(table, row text)`` of every row of every table."""
    if connection.vendor == "sqlite":
        rows = []
        for line in connection.connection.iterdump():
            found = re.match(r'INSERT INTO "([^"]+)"', line)
            rows.append((found.group(1) if found else "", line))
        return rows
    if shutil.which("pg_dump"):
        return _pg_dump_rows()
    return _orm_rows()


def _pg_dump_rows() -> list[tuple[str, str]]:
    params = connection.get_connection_params()
    env = {**os.environ}
    if params.get("password"):
        env["PGPASSWORD"] = params["password"]
    command = ["pg_dump", "--data-only", "--no-owner", "-d", params["dbname"]]
    for option, key in (("-h", "host"), ("-p", "port"), ("-U", "user")):
        if params.get(key):
            command += [option, str(params[key])]
    dump = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout  # noqa: S603
    rows, table = [], ""
    for line in dump.splitlines():
        found = re.match(r"COPY public\.(\S+) ", line)
        if found:
            table = found.group(1)
        elif line == "\\.":
            table = ""
        rows.append((table, line))
    return rows


def _orm_rows() -> list[tuple[str, str]]:
    rows = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608
            rows += [(table, repr(row)) for row in cursor.fetchall()]
    return rows


def _file_texts(directory: Path) -> list[tuple[str, str]]:
    found = []
    for path in directory.rglob("*") if directory.exists() else []:
        if path.is_file() and path.suffix == ".parquet":
            found.append((str(path), json.dumps(pq.read_table(path).to_pylist(), default=str)))
        elif path.is_file():
            found.append((str(path), path.read_bytes().decode("utf-8", "replace")))
    return found


def _leaks(rows, allowed_ids: set[str]) -> list[str]:
    leaks = []
    for table, text in rows:
        lowered = text.lower()
        hits = [needle for needle in needles() if needle.lower() in lowered]
        if not hits:
            continue
        if table.startswith("sales_") and any(pk in lowered for pk in allowed_ids):
            continue
        leaks.append(f"{table}: {hits}: {text[:300]}")
    return leaks


def _erasure_proof(admin, dpo):
    contact, other, _message, kept_documents = make_person(admin)
    access = api_client_for(dpo).post(URL, {"type": "access", "email": EMAILS[1]})
    assert access.json()["identifier"] == EMAILS[1]
    api, request_id = _request(dpo, contact)
    # Everything is there before.
    rows = _database_rows()
    assert _leaks(rows, set()), "the person was not made"
    media = Path(settings.MEDIA_ROOT)
    assert any("xyattachedcontent" in text for _p, text in _file_texts(media))
    warehouse = Path(settings.KONTOR_WAREHOUSE_DIR)
    assert any(FIRST.lower() in text.lower() for _p, text in _file_texts(warehouse)) or any(
        str(contact.pk) in text for _p, text in _file_texts(warehouse)
    )

    response = api.post(f"{URL}/{request_id}/execute")

    assert response.status_code == 200, response.content
    report = response.json()
    stores = {store["name"]: store["items_removed"] for store in report["stores"]}
    assert stores["contacts"] == 1
    assert stores["email addresses"] == 2
    assert stores["phone numbers"] == 2
    assert stores["activities"] >= 2
    assert stores["files"] >= 2  # the file on the contact and the email's attachment
    assert stores["received emails and raw messages"] == 1
    assert stores["calls"] == 1
    assert stores["telephony event logs"] >= 1
    assert stores["sent emails"] == 1
    assert stores["consents"] == 1
    assert stores["deals"] == 1
    assert stores["notifications"] == 1
    assert stores["webhook deliveries"] >= 1
    assert stores["warehouse export rows"] >= 1
    assert stores["audit trail values"] >= 1
    assert stores["suppression list (keyed hashes added)"] == 4
    kept_ids = {str(document.pk) for document in kept_documents}
    assert len(report["kept"]) == 3
    assert {re.search(r"\(([0-9a-f-]{36})\)", k["what"]).group(1) for k in report["kept"]} == (
        kept_ids
    )
    by_number = {k["what"].split(" (")[0]: k for k in report["kept"]}
    assert by_number["invoice RE-1"]["until"] == "2034-12-31"
    assert "§ 147" in by_number["invoice RE-1"]["legal_ground"]
    order = kept_documents[1]
    assert by_number[f"order {order.number}"]["until"] == "2032-12-31"

    # The proof: nothing left anywhere but in the documents kept.
    allowed = kept_ids | {pk.replace("-", "") for pk in kept_ids}
    leaks = _leaks(_database_rows(), allowed)
    leaks += _leaks(_file_texts(media), set())
    leaks += _leaks(_file_texts(warehouse), set())
    assert not leaks, "\n".join(leaks)
    for document in kept_documents:
        document.refresh_from_db()
        assert document.contact_id is None
        assert FIRST in document.customer_name
    assert Contact.objects.filter(pk=other.pk).exists()
    assert not OutboxEvent.objects.filter(record_id=str(contact.pk)).exists()
    erased = AuditEntry.objects.get(action=AuditAction.ERASE, object_id=str(contact.pk))
    assert erased.actor_id == dpo.pk and erased.object_repr == ""
    assert AuditEntry.objects.filter(object_type="contact", object_id=str(contact.pk)).count() > 1
    done = DataSubjectRequest.objects.get(pk=request_id)
    assert done.status == "done" and done.erasure_report == report and done.contact is None
    assert api.get(f"{URL}/{request_id}").json()["erasure_report"] == report
    return api, request_id, report


@pytest.mark.django_db(transaction=True)
def test_erasure_proof_nothing_of_the_person_is_left_but_the_documents_kept(admin, dpo):
    _erasure_proof(admin, dpo)


@pytest.mark.django_db(transaction=True)
def test_executing_twice_answers_the_same_report(admin, dpo):
    api, request_id, report = _erasure_proof(admin, dpo)

    again = api.post(f"{URL}/{request_id}/execute")

    assert again.status_code == 200
    assert again.json() == report
    assert AuditEntry.objects.filter(action=AuditAction.ERASE).count() == 1


@pytest.mark.django_db
def test_search_forgets_the_person(admin, dpo):
    """The search finds them before and nothing after, on both databases;
    on SQLite their rows in the FTS5 tables are gone too (on PostgreSQL the
    trigram indexes go with the rows)."""
    contact = contact_create(
        actor=admin,
        data={"first_name": FIRST, "last_name": LAST, "emails": [{"address": EMAILS[0]}],
              "phones": [{"number": PHONES[0]}]},
    )  # fmt: skip
    searcher = api_client_for(admin)
    terms = (LAST.lower(), "xymail", "4567890")
    for term in terms:
        assert searcher.get("/api/v1/contacts", {"q": term}).json()["items"], term
    api, request_id = _request(dpo, contact)

    assert api.post(f"{URL}/{request_id}/execute").status_code == 200

    for term in terms:
        assert searcher.get("/api/v1/contacts", {"q": term}).json()["items"] == [], term
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            for table, term in zip(
                ("contacts_emailaddress_fts", "contacts_phonenumber_fts"), terms[1:], strict=True
            ):
                query = f"SELECT count(*) FROM {table} WHERE {table} MATCH %s"  # noqa: S608
                cursor.execute(query, [f'"{term}"'])
                assert cursor.fetchone()[0] == 0, table
            for term in terms:  # the contact search table's index holds every field
                table = "contacts_contactsearch_fts"
                query = f"SELECT count(*) FROM {table} WHERE {table} MATCH %s"  # noqa: S608
                cursor.execute(query, [f'"{term}"'])
                assert cursor.fetchone()[0] == 0, term
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM contacts_contactsearch")
        assert cursor.fetchone()[0] == 0


@pytest.mark.django_db
def test_only_the_data_protection_officer_executes(admin, dpo):
    contact = contact_create(actor=admin, data={"first_name": FIRST, "last_name": LAST})
    _api, request_id = _request(dpo, contact)
    sales_user = UserFactory(username="seller", roles=["sales"])

    response = api_client_for(sales_user).post(f"{URL}/{request_id}/execute")

    assert response.status_code == 403
    assert Contact.objects.filter(pk=contact.pk).exists()


@pytest.mark.django_db
def test_an_access_request_is_not_executed(admin, dpo):
    contact = contact_create(actor=admin, data={"first_name": FIRST, "last_name": LAST})
    api, request_id = _request(dpo, contact, kind="access")

    response = api.post(f"{URL}/{request_id}/execute")

    assert response.status_code == 422
    assert Contact.objects.filter(pk=contact.pk).exists()
    assert api.post(f"{URL}/{uuid7()}/execute").status_code == 404


@pytest.mark.django_db
def test_an_erased_sender_is_not_made_a_contact_again(admin, dpo, settings):
    contact = contact_create(
        actor=admin,
        data={"first_name": FIRST, "last_name": LAST, "emails": [{"address": EMAILS[0]}]},
    )
    api, request_id = _request(dpo, contact)
    assert api.post(f"{URL}/{request_id}/execute").status_code == 200
    assert Suppression.objects.count() == 1
    assert EMAILS[0].lower() not in json.dumps(list(Suppression.objects.values_list("digest")))
    assert is_suppressed(email=EMAILS[0].upper())

    result = message_ingest(actor=admin, raw=_mail_with_attachment(), source=Source.API)

    assert result.created_contacts == []
    assert not Contact.objects.filter(first_name=FIRST).exists()

    settings.KONTOR_PRIVACY_SUPPRESSION = False
    assert not is_suppressed(email=EMAILS[0])


@pytest.mark.django_db
def test_the_request_page_executes_and_shows_the_report(admin, dpo, client):
    contact = contact_create(actor=admin, data={"first_name": FIRST, "last_name": LAST})
    _api, request_id = _request(dpo, contact)
    client.force_login(dpo)
    page = client.get(f"/privacy/requests/{request_id}/")
    assert b"Execute erasure" in page.content

    response = client.post(f"/privacy/requests/{request_id}/execute/", follow=True)

    assert response.status_code == 200
    assert b"Items removed" in response.content
    assert not Contact.objects.filter(pk=contact.pk).exists()
    client.force_login(UserFactory(username="seller", roles=["sales"]))
    assert client.post(f"/privacy/requests/{request_id}/execute/").status_code == 403


@pytest.mark.django_db
def test_a_meeting_with_other_people_stays_for_them_without_the_person(admin, dpo):
    contact = contact_create(actor=admin, data={"first_name": FIRST, "last_name": LAST})
    other = contact_create(actor=admin, data={"first_name": "Otto", "last_name": "Other"})
    shared = activity_create(
        actor=admin,
        data={
            "kind": "meeting",
            "subject": f"Workshop with {FIRST} {LAST}",
            "body": f"Otto and {FIRST} {LAST} agreed.",
            "contact_id": other.pk,
            "starts_at": "2026-05-04T10:00:00Z",
            "participants": [{"contact_id": str(contact.pk)}, {"contact_id": str(other.pk)}],
        },
    )
    lunch = activity_create(
        actor=admin,
        data={
            "kind": "meeting",
            "subject": "Lunch",
            "contact_id": other.pk,
            "starts_at": "2026-05-05T10:00:00Z",
            "participants": [{"contact_id": str(contact.pk)}],
        },
    )
    api, request_id = _request(dpo, contact)

    report = api.post(f"{URL}/{request_id}/execute").json()

    shared.refresh_from_db()
    assert shared.subject == "Workshop with [erased]"
    assert shared.body == "Otto and [erased] agreed."
    assert list(shared.participants.values_list("contact_id", flat=True)) == [other.pk]
    lunch.refresh_from_db()  # on Otto's timeline: his, without her
    assert not lunch.participants.exists()
    stores = {store["name"]: store["items_removed"] for store in report["stores"]}
    assert stores["activities anonymized (about other people too)"] == 2
    assert stores["meeting participations"] == 2
