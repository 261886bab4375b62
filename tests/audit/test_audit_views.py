"""Who sees the audit trail: the history of a record on its page and through
the API for the roles that show it; the search for administrators and the
data protection officer; by employee, in works-council mode, only for the
data protection officer."""

import pytest
from django.urls import reverse

from kontor.audit.models import AuditEntry
from kontor.contacts.services import contact_create, contact_update
from kontor.customfields.models import CustomFieldDefinition
from tests.conftest import api_client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db):
    return {
        role: UserFactory(username=f"u-{role}", roles=[role], teams=["Nord"])
        for role in [
            "administrator",
            "sales",
            "service",
            "team-lead",
            "data-protection-officer",
            "read-only",
        ]
    }


@pytest.fixture
def mine(people):
    rep = people["sales"]
    contact = contact_create(actor=rep, data={"first_name": "Anna", "phones": ["030 1234567"]})
    contact_update(actor=rep, contact=contact, data={"last_name": "Alt"})
    return contact


@pytest.fixture
def foreign(db):
    stranger = UserFactory(username="stranger", roles=["sales"], teams=["Süd"])
    return contact_create(actor=stranger, data={"first_name": "Fremd"})


def test_the_contact_page_shows_its_history_to_a_sales_rep(client, people, mine):
    client.force_login(people["sales"])
    page = client.get(mine.get_absolute_url()).content.decode()

    assert 'data-testid="audit-history"' in page
    assert "last_name" in page and "Alt" in page


def test_the_history_is_not_shown_to_read_only_users(client, people, mine):
    client.force_login(people["read-only"])
    page = client.get(mine.get_absolute_url())

    assert page.status_code == 200
    assert 'data-testid="audit-history"' not in page.content.decode()
    url = reverse("audit-record-history", args=["contact", mine.pk])
    assert client.get(url).status_code == 403


def test_the_history_page_of_a_record_one_may_not_read_is_a_404(client, people, foreign):
    client.force_login(people["sales"])
    url = reverse("audit-record-history", args=["contact", foreign.pk])
    assert client.get(url).status_code == 404
    assert client.get(reverse("audit-record-history", args=["contact", "nope"])).status_code == 404


def test_fields_the_viewer_may_not_read_are_left_out_of_the_history(client, people):
    CustomFieldDefinition.objects.create(
        object_type="contact",
        key="diagnosis",
        label="Diagnosis",
        field_type="text",
        category="special",
    )
    admin = people["administrator"]
    contact = contact_create(actor=admin, data={"first_name": "Ida", "custom": {"diagnosis": "x"}})
    contact_update(actor=admin, contact=contact, data={"custom": {"diagnosis": "y"}})

    service = api_client_for(people["service"])
    items = service.get(
        "/api/v1/audit", {"object_type": "contact", "object_id": str(contact.pk)}
    ).json()["items"]
    dpo = api_client_for(people["data-protection-officer"])
    dpo_items = dpo.get(
        "/api/v1/audit", {"object_type": "contact", "object_id": str(contact.pk)}
    ).json()["items"]

    assert all(
        "custom.diagnosis" not in i["changes"] and "custom.diagnosis" not in i["fields"]
        for i in items
    )
    assert any(i["changes"].get("custom.diagnosis") == ["•••", "•••"] for i in dpo_items)


@pytest.mark.parametrize(
    "role, status",
    [
        ("administrator", 200),
        ("data-protection-officer", 200),
        ("sales", 403),
        ("service", 403),
        ("team-lead", 403),
        ("read-only", 403),
    ],
)
def test_the_audit_search_page_is_for_administrators_and_the_dpo(client, people, role, status):
    client.force_login(people[role])
    assert client.get(reverse("audit-search")).status_code == status


def test_the_search_page_lists_entries_and_filters_them(client, people, mine, foreign):
    client.force_login(people["data-protection-officer"])
    page = client.get(reverse("audit-search"), {"object_id": str(mine.pk)})

    rows = page.context["rows"]
    assert {r["entry"].object_id for r in rows} == {str(mine.pk)}
    assert "Fremd" not in page.content.decode()


def test_in_works_council_mode_only_the_dpo_views_the_trail_by_employee(
    client, settings, people, mine
):
    settings.KONTOR_WORKS_COUNCIL_MODE = True
    rep = people["sales"]
    admin_api = api_client_for(people["administrator"])
    dpo_api = api_client_for(people["data-protection-officer"])

    assert admin_api.get("/api/v1/audit", {"actor_id": rep.pk}).status_code == 403
    by_rep = dpo_api.get("/api/v1/audit", {"actor_id": rep.pk}).json()["items"]
    assert {i["actor_id"] for i in by_rep} == {rep.pk}
    client.force_login(people["administrator"])
    assert "actor" not in client.get(reverse("audit-search")).context["form"].fields
    client.force_login(people["data-protection-officer"])
    assert "actor" in client.get(reverse("audit-search")).context["form"].fields


def test_without_works_council_mode_administrators_filter_by_employee(settings, people, mine):
    settings.KONTOR_WORKS_COUNCIL_MODE = False
    admin_api = api_client_for(people["administrator"])
    assert admin_api.get("/api/v1/audit", {"actor_id": people["sales"].pk}).status_code == 200


def test_the_audit_api_shows_a_record_history_to_roles_that_may_read_the_record(
    people, mine, foreign
):
    rep = api_client_for(people["sales"])
    one = {"object_type": "contact", "object_id": str(mine.pk)}

    assert [i["action"] for i in rep.get("/api/v1/audit", one).json()["items"]] == [
        "update",
        "create",
    ]
    assert rep.get("/api/v1/audit").status_code == 403
    assert (
        rep.get(
            "/api/v1/audit", {"object_type": "contact", "object_id": str(foreign.pk)}
        ).status_code
        == 404
    )
    assert api_client_for(people["read-only"]).get("/api/v1/audit", one).status_code == 403
    assert rep.get("/api/v1/audit", {**one, "actor_id": people["sales"].pk}).status_code == 403


def test_the_audit_api_filters_by_time_and_action(people, mine):
    admin = api_client_for(people["administrator"])
    created = AuditEntry.objects.get(object_id=str(mine.pk), action="create")

    items = admin.get("/api/v1/audit", {"action": "create", "object_type": "contact"}).json()
    later = admin.get("/api/v1/audit", {"since": "2999-01-01T00:00:00+00:00"}).json()

    assert [i["id"] for i in items["items"]] == [created.pk]
    assert later["items"] == []
