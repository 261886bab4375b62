"""Restriction of processing (GDPR Art. 18) and objection (Art. 21)
carried out: a restricted person with contact points, a note, a file, a
deal and a ticket is absent from every read path — lists, search, lookup
(which says "restricted" and nothing else), the 360° view, exports, the
pages — of every role but the one that handles requests of data subjects;
lifting the restriction brings it all back. Webhooks, workflow rules and
the warehouse export leave the person out; an objection makes a workflow's
send_email for the purpose fail."""

import pyarrow.parquet as pq
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kontor.access.grants import forget_access
from kontor.access.models import Role
from kontor.activities.services import activity_create
from kontor.audit.models import AuditEntry
from kontor.consent.models import Purpose
from kontor.consent.selectors import has_basis
from kontor.consent.services import consent_record
from kontor.contacts.models import Contact, ContactSearch
from kontor.contacts.services import contact_create, contact_update
from kontor.files.services import attachment_create
from kontor.integration.models import WebhookDelivery
from kontor.integration.webhooks.sending import body_of
from kontor.integration.webhooks.services import subscription_create
from kontor.privacy.models import DataSubjectRequest
from kontor.sales import services as sales
from kontor.service.services import ticket_create
from kontor.warehouse.export import export as warehouse_export
from kontor.workflow.engine import find, run_rule
from tests.conftest import api_client_for
from tests.factories import UserFactory
from tests.workflow.conftest import drain, make_rule

pytestmark = pytest.mark.django_db

URL = "/api/v1/privacy/requests"
MARKER = "Xyrestricta"
EMAIL = "xyrestricta@xyrestricted.example"
PHONE = "+49 30 9876543"


@pytest.fixture(autouse=True)
def _setup(settings, tmp_path):
    settings.KONTOR_WEBHOOKS_ALLOW_PRIVATE = True
    settings.KONTOR_WAREHOUSE_DIR = str(tmp_path / "warehouse")


@pytest.fixture
def people():
    """The roles of the test: an administrator whose role does not handle
    requests of data subjects, the sales rep who owns the person, a service
    agent, and the data protection officer."""
    admin_role = Role.objects.get(slug="administrator")
    Role.objects.create(
        slug="admin-without-dpo",
        name="admin without DPO right",
        levels=admin_role.levels,
        categories=admin_role.categories,
        manage_access=True,
        audit_scope="all",
        data_subject_requests=False,
    )
    return {
        "admin": UserFactory(username="plain-admin", roles=["admin-without-dpo"]),
        "sales": UserFactory(username="rep", roles=["sales"]),
        "service": UserFactory(username="agent", roles=["service"]),
        "dpo": UserFactory(username="dpo", roles=["data-protection-officer"]),
    }


@pytest.fixture
def person(people):
    rep = people["sales"]
    contact = contact_create(
        actor=rep,
        data={
            "first_name": MARKER,
            "last_name": "Person",
            "emails": [{"address": EMAIL}],
            "phones": [{"number": PHONE}],
        },
    )
    activity_create(
        actor=rep,
        data={"kind": "note", "subject": f"{MARKER} note", "body": "x", "contact_id": contact.pk},
    )
    attachment_create(
        actor=rep, upload=SimpleUploadedFile(f"{MARKER}.txt", b"content"), contact=contact
    )
    deal = sales.deal_create(actor=rep, data={"title": f"{MARKER} deal", "contact_id": contact.pk})
    ticket = ticket_create(
        actor=rep, data={"subject": f"{MARKER} ticket", "contact_id": contact.pk}
    )
    return {"contact": contact, "deal": deal, "ticket": ticket}


def _error_fields(response) -> set[str]:
    return {detail["loc"][-1] for detail in response.json()["detail"]}


def _request(dpo, contact, type="restriction", **extra):
    api = api_client_for(dpo)
    response = api.post(URL, {"type": type, "contact_id": str(contact.pk), **extra})
    assert response.status_code == 201, response.content
    return response.json()["id"]


def _text(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode()


def _shown(user, person) -> set[str]:
    """The read paths on which ``user`` sees the person or a record about them."""
    forget_access(user)
    contact, deal, ticket = person["contact"], person["deal"], person["ticket"]
    api = api_client_for(user)
    api_reads = {
        "contact list": "/api/v1/contacts",
        "contact search": f"/api/v1/contacts?q={MARKER}",
        "contact": f"/api/v1/contacts/{contact.pk}",
        "360° view": f"/api/v1/contacts/{contact.pk}/overview",
        "contact files": f"/api/v1/contacts/{contact.pk}/files",
        "activities": "/api/v1/activities",
        "deals": "/api/v1/deals",
        "deal": f"/api/v1/deals/{deal.pk}",
        "tickets": "/api/v1/tickets",
        "ticket": f"/api/v1/tickets/{ticket.pk}",
        "export": "/api/v1/contacts/export?format=csv",
    }
    shown = set()
    for name, path in api_reads.items():
        response = api.get(path)
        assert response.status_code in (200, 403, 404), (name, response.status_code)
        if response.status_code == 200 and MARKER in _text(response):
            shown.add(name)
    for name, query in (("phone lookup", f"phone={PHONE}"), ("email lookup", f"email={EMAIL}")):
        answer = api.get(f"/api/v1/lookup?{query}").json()
        if answer["matches"]:
            assert answer["matches"][0]["display_name"].startswith(MARKER)
            shown.add(name)
        elif answer["restricted"]:
            shown.add(f"{name}: restricted")
    from django.test import Client

    client = Client()
    client.force_login(user)
    pages = {
        "contact list page": "/contacts/",
        "search page": f"/contacts/?q={MARKER}",
        "contact page": f"/contacts/{contact.pk}/",
        "deal page": f"/sales/deals/{deal.pk}/",
        "ticket queue page": "/tickets/",
        "ticket page": f"/tickets/{ticket.pk}/",
    }
    for name, path in pages.items():
        response = client.get(path)
        assert response.status_code in (200, 403, 404), (name, response.status_code)
        # The search page repeats the search word: a found person is a link.
        seen = f"/contacts/{contact.pk}/" if name == "search page" else MARKER
        if response.status_code == 200 and seen in response.content.decode():
            shown.add(name)
    return shown


EVERY_PATH = {
    "contact list", "contact search", "contact", "360° view", "contact files", "activities",
    "deals", "deal", "tickets", "ticket", "export", "phone lookup", "email lookup",
    "contact list page", "search page", "contact page", "deal page", "ticket queue page",
    "ticket page",
}  # fmt: skip
# The service role exports nothing (403).
SEEN_BEFORE = {
    "admin": EVERY_PATH,
    "sales": EVERY_PATH,
    "service": EVERY_PATH - {"export"},
}
RESTRICTED_LOOKUP = {"phone lookup: restricted", "email lookup: restricted"}


def test_no_read_path_of_any_role_but_the_dpo_shows_a_restricted_person(people, person):
    for role, expected in SEEN_BEFORE.items():
        assert _shown(people[role], person) == expected, role

    request_id = _request(people["dpo"], person["contact"])
    response = api_client_for(people["dpo"]).post(f"{URL}/{request_id}/execute")
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["status"] == "done" and answer["restriction_in_force"] is True
    assert answer["executed_by_id"] == people["dpo"].pk

    for role in SEEN_BEFORE:
        assert _shown(people[role], person) == RESTRICTED_LOOKUP, role
    assert _shown(people["dpo"], person) == EVERY_PATH

    lifted = api_client_for(people["dpo"]).post(f"{URL}/{request_id}/lift")
    assert lifted.status_code == 200 and lifted.json()["restriction_in_force"] is False
    for role, expected in SEEN_BEFORE.items():
        assert _shown(people[role], person) == expected, role


def test_a_caller_of_someone_else_hears_nothing_not_even_restricted(people, person):
    stranger = UserFactory(username="stranger", roles=["sales"])
    request_id = _request(people["dpo"], person["contact"])
    api_client_for(people["dpo"]).post(f"{URL}/{request_id}/execute")

    answer = api_client_for(stranger).get(f"/api/v1/lookup?phone={PHONE}").json()
    assert answer == {"matches": [], "restricted": False}


def test_restriction_and_lifting_are_audited_and_kept_on_the_request(people, person):
    dpo = people["dpo"]
    request_id = _request(dpo, person["contact"])
    api = api_client_for(dpo)
    assert api.post(f"{URL}/{request_id}/execute").status_code == 200
    # Executing it again changes nothing.
    assert api.post(f"{URL}/{request_id}/execute").status_code == 200
    contact = Contact.objects.get(pk=person["contact"].pk)
    assert contact.processing_restricted_at is not None
    assert ContactSearch.objects.get(contact=contact).processing_restricted_at is not None
    assert api.post(f"{URL}/{request_id}/lift").status_code == 200
    refused = api.post(f"{URL}/{request_id}/lift")
    assert refused.status_code == 422 and "status" in _error_fields(refused)

    changes = [
        entry.changes
        for entry in AuditEntry.objects.filter(object_id=str(contact.pk)).order_by("id")
        if "processing_restricted_at" in (entry.changes or {})
    ]
    assert len(changes) == 2
    request_entries = AuditEntry.objects.filter(object_id=request_id).order_by("id")
    assert [set(e.changes) for e in request_entries][1:] == [
        {"executed_at", "status"},
        {"lifted_at"},
    ]
    found = DataSubjectRequest.objects.get(pk=request_id)
    assert found.executed_by == dpo and found.lifted_by == dpo


def test_only_the_dpo_executes_and_an_access_request_is_not_carried_out(people, person):
    request_id = _request(people["dpo"], person["contact"])
    assert api_client_for(people["admin"]).post(f"{URL}/{request_id}/execute").status_code == 403
    access_id = _request(people["dpo"], person["contact"], type="access")
    refused = api_client_for(people["dpo"]).post(f"{URL}/{access_id}/execute")
    assert refused.status_code == 422 and "type" in _error_fields(refused)
    not_restriction = api_client_for(people["dpo"]).post(f"{URL}/{access_id}/lift")
    assert not_restriction.status_code == 422


def test_the_request_page_restricts_and_lifts(people, person, client):
    request_id = _request(people["dpo"], person["contact"])
    client.force_login(people["dpo"])
    page = client.get(f"/privacy/requests/{request_id}/").content.decode()
    assert 'data-testid="restriction"' in page and "Restrict processing" in page

    assert client.post(f"/privacy/requests/{request_id}/execute/").status_code == 302
    page = client.get(f"/privacy/requests/{request_id}/").content.decode()
    assert "Lift restriction" in page
    assert Contact.objects.get(pk=person["contact"].pk).processing_restricted_at is not None

    assert client.post(f"/privacy/requests/{request_id}/lift/").status_code == 302
    assert Contact.objects.get(pk=person["contact"].pk).processing_restricted_at is None


def test_webhooks_and_workflow_rules_leave_a_restricted_person_out(people, person):
    dpo, contact = people["dpo"], person["contact"]
    drain()
    subscription, _secret = subscription_create(
        actor=dpo, data={"url": "http://127.0.0.1:9/hook", "events": ["contact.updated"]}
    )
    request_id = _request(dpo, contact)
    api_client_for(dpo).post(f"{URL}/{request_id}/execute")
    contact.refresh_from_db()
    contact_update(actor=dpo, contact=contact, data={"notes": "corrected"})
    drain()
    delivery = WebhookDelivery.objects.get(subscription=subscription)
    assert body_of(delivery, dpo) is None

    # The rule's owner may see restricted people; the rule runs for none.
    administrator = UserFactory(username="wf-admin", roles=["administrator"])
    rule = make_rule(administrator, actions=[{"type": "add_note", "body": "Hello"}])
    assert find(rule, contact.pk) is None
    api_client_for(dpo).post(f"{URL}/{request_id}/lift")
    assert find(rule, contact.pk) == contact
    delivery.refresh_from_db()
    assert MARKER in body_of(delivery, dpo)


def _warehouse_text(directory) -> str:
    return " ".join(
        str(pq.read_table(part).to_pylist()) for part in sorted(directory.rglob("part-*.parquet"))
    )


def test_the_warehouse_export_leaves_a_restricted_person_out(people, person, tmp_path):
    dpo, contact = people["dpo"], person["contact"]
    directory = tmp_path / "warehouse"
    warehouse_export(directory)
    assert str(contact.pk) in _warehouse_text(directory)

    request_id = _request(dpo, contact)
    api_client_for(dpo).post(f"{URL}/{request_id}/execute")
    assert str(contact.pk) not in _warehouse_text(directory)
    warehouse_export(directory)
    warehouse_export(directory, full=True)
    assert str(contact.pk) not in _warehouse_text(directory)

    api_client_for(dpo).post(f"{URL}/{request_id}/lift")
    warehouse_export(directory, full=True)
    assert str(contact.pk) in _warehouse_text(directory)


def test_an_objection_blocks_a_workflow_email_for_its_purpose(people, person):
    dpo, contact = people["dpo"], person["contact"]
    Purpose.objects.create(key="newsletter", name="Newsletter")
    Purpose.objects.create(key="profiling", name="Profiling", requires_consent=False)
    for key in ("newsletter", "profiling"):
        consent_record(
            actor=dpo,
            contact=contact,
            purpose_key=key,
            data={"status": "granted", "text_version": "v1", "channel": "web form"},
        )
    mail = {"type": "send_email", "subject": "News", "body": "Offers", "purpose": "newsletter"}
    rule = make_rule(UserFactory(username="wf-admin", roles=["administrator"]), actions=[mail])
    assert run_rule(rule, contact, trigger="created").actions[0]["status"] == "done"

    request_id = _request(dpo, contact, type="objection", purposes=["newsletter"])
    answer = api_client_for(dpo).post(f"{URL}/{request_id}/execute").json()
    assert answer["status"] == "done" and answer["purposes"] == ["newsletter"]

    assert not has_basis(contact, "newsletter") and has_basis(contact, "profiling")
    result = run_rule(rule, contact, trigger="created").actions[0]
    assert result["status"] == "failed" and "not sent" in result["error"]


def test_an_objection_without_purposes_objects_to_every_purpose(people, person):
    dpo, contact = people["dpo"], person["contact"]
    Purpose.objects.create(key="newsletter", name="Newsletter")
    Purpose.objects.create(key="profiling", name="Profiling", requires_consent=False)
    request_id = _request(dpo, contact, type="objection")
    assert api_client_for(dpo).post(f"{URL}/{request_id}/execute").status_code == 200
    assert not has_basis(contact, "newsletter") and not has_basis(contact, "profiling")


def test_an_objection_naming_an_unknown_purpose_is_refused(people, person):
    api = api_client_for(people["dpo"])
    response = api.post(
        URL, {"type": "objection", "contact_id": str(person["contact"].pk), "purposes": ["nope"]}
    )
    assert response.status_code == 422 and "purposes" in _error_fields(response)
    response = api.post(
        URL, {"type": "access", "contact_id": str(person["contact"].pk), "purposes": ["nope"]}
    )
    assert response.status_code == 422 and "purposes" in _error_fields(response)


def test_every_restriction_path_ends_at_a_time_and_the_person_can_be_restricted():
    from django.db.models import DateTimeField

    from kontor.core.records import record_types
    from kontor.privacy.subjects import person_type

    assert person_type().personal_data.restrict
    assert person_type().restricted_by == ("processing_restricted_at",)
    for kind in record_types():
        for path in kind.restricted_by:
            model = kind.model_class()
            *hops, last = path.split("__")
            for hop in hops:
                model = model._meta.get_field(hop).related_model
            assert isinstance(model._meta.get_field(last), DateTimeField), (kind.key, path)
    # Every type that names the person by a foreign key is restricted with
    # them (a meeting they only took part in stays: its participants are many).
    for kind in record_types():
        links = kind.personal_data.links if kind.personal_data else ()
        for link in links:
            model, single = kind.model_class(), True
            for hop in link.split("__") if link else ():
                field = model._meta.get_field(hop)
                single = single and not (field.many_to_many or field.one_to_many)
                model = field.related_model
            if link and single:
                assert f"{link}__processing_restricted_at" in kind.restricted_by, (kind.key, link)
