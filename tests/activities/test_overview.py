import datetime
import random

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kontor.activities import selectors
from kontor.activities.models import Activity, Kind
from kontor.activities.sections import overview_sections
from kontor.files.services import attachment_create
from tests.activities.conftest import bulk_history
from tests.factories import ActivityFactory, ContactFactory, OrganizationFactory
from tests.query_counts import CaptureWorkQueries

LATER_KEYS = ["deals", "tickets", "quotes", "orders", "open_payments"]


def test_the_contact_overview_shows_everything_about_the_contact(
    api, user, contact, organization, colleague
):
    now = timezone.now()
    peter = ContactFactory(first_name="Peter", last_name="Berg", organization_id=organization.pk)
    call = ActivityFactory(
        author=user, contact=contact, kind="call", outcome="answered",
        occurred_at=now - datetime.timedelta(days=2),
    )  # fmt: skip
    ActivityFactory(author=user, contact=contact, body="note", occurred_at=now)
    meeting = ActivityFactory(
        author=user, contact=contact, kind="meeting", subject="Visit",
        starts_at=now + datetime.timedelta(days=5),
    )  # fmt: skip
    task = ActivityFactory(
        author=user, contact=contact, kind="task", subject="Send quote",
        due_at=now + datetime.timedelta(days=1),
    )  # fmt: skip
    attachment_create(
        actor=user, upload=SimpleUploadedFile("quote.pdf", b"%PDF-1.4 x"), contact=contact
    )

    response = api.get(f"/api/v1/contacts/{contact.pk}/overview")

    assert response.status_code == 200
    view = response.json()
    assert view["contact"]["id"] == str(contact.pk)
    assert view["contact"]["emails"][0]["address"] == "s.koch@mueller.example"
    assert view["organization"]["id"] == str(organization.pk)
    assert [c["id"] for c in view["colleagues"]] == [str(peter.pk)]
    assert [t["id"] for t in view["open_tasks"]] == [str(task.pk)]
    assert view["last_interaction"]["id"] == str(call.pk)
    assert view["next_interaction"]["id"] == str(task.pk)
    assert view["counts"] == {"call": 1, "email": 0, "meeting": 1, "note": 1, "task": 1}
    assert len(view["recent_activities"]) == 4
    assert view["recent_activities"][0]["id"] == str(meeting.pk)  # planned, newest
    assert [f["name"] for f in view["files"]] == ["quote.pdf"]
    assert all(view[key] == [] for key in LATER_KEYS)
    assert view["missing_fields"] == []


def test_the_next_interaction_is_the_earliest_meeting_or_task(api, user, contact):
    now = timezone.now()
    meeting = ActivityFactory(
        author=user, contact=contact, kind="meeting", subject="Visit",
        starts_at=now + datetime.timedelta(hours=3),
    )  # fmt: skip
    ActivityFactory(
        author=user, contact=contact, kind="task", subject="Later",
        due_at=now + datetime.timedelta(days=1),
    )  # fmt: skip
    view = api.get(f"/api/v1/contacts/{contact.pk}/overview").json()
    assert view["next_interaction"]["id"] == str(meeting.pk)


def test_the_contacts_organization_comes_with_its_addresses_numbers_and_tags(api, user):
    organization = OrganizationFactory(
        name="Brandt Logistik", owner=user, emails=["info@brandt.example"],
        phones=[{"number": "+49 40 555-0"}], tags=["Spedition"],
    )  # fmt: skip
    contact = ContactFactory(owner=user, organization_id=organization.pk)

    shown = api.get(f"/api/v1/contacts/{contact.pk}/overview").json()["organization"]

    assert shown["name"] == "Brandt Logistik"
    assert [e["address"] for e in shown["emails"]] == ["info@brandt.example"]
    assert [p["number"] for p in shown["phones"]] == ["+49405550"]
    assert shown["tags"] == ["Spedition"]


def test_a_dirty_record_lists_what_is_missing(api, user):
    dirty = ContactFactory(first_name="", last_name="", emails=["info@unbekannt.example"])
    dirty.owner = None
    dirty.save(update_fields=["owner"])
    view = api.get(f"/api/v1/contacts/{dirty.pk}/overview").json()
    assert view["missing_fields"] == ["name", "phone", "organization", "owner"]
    assert view["organization"] is None
    assert view["colleagues"] == []
    assert view["last_interaction"] is None and view["next_interaction"] is None


def test_the_organization_overview_includes_its_peoples_history(api, user, contact, organization):
    own = ActivityFactory(author=user, contact=None, organization=organization, body="own")
    persons = ActivityFactory(author=user, contact=contact, kind="call")
    attachment_create(actor=user, upload=SimpleUploadedFile("a.txt", b"hello"), activity=persons)
    view = api.get(f"/api/v1/organizations/{organization.pk}/overview").json()
    assert view["organization"]["id"] == str(organization.pk)
    assert "contact" not in view
    assert [c["id"] for c in view["colleagues"]] == [str(contact.pk)]
    assert {a["id"] for a in view["recent_activities"]} == {str(own.pk), str(persons.pk)}
    assert view["counts"]["call"] == 1 and view["counts"]["note"] == 1
    assert [f["name"] for f in view["files"]] == ["a.txt"]
    assert view["missing_fields"] == ["website", "email", "phone"]
    assert all(view[key] == [] for key in LATER_KEYS)


def test_an_unknown_record_has_no_overview(api):
    assert api.get("/api/v1/contacts/not-a-uuid/overview").status_code == 404
    missing = "0190d6f0-0000-7000-8000-000000000000"
    assert api.get(f"/api/v1/organizations/{missing}/overview").status_code == 404


# Query counts: the same for a short and a long history. -----------------------------


def count_queries(callable_) -> int:
    with CaptureWorkQueries() as queries:
        response = callable_()
    assert response.status_code == 200, response.content
    return len(queries.work)


@pytest.fixture
def histories(user, colleague):
    """Two contacts at two organizations: one with 5, one with 500 activities
    (each with a file on its newest activity, a participant on its meetings)."""
    records = {}
    for size in (5, 500):
        organization = OrganizationFactory(name=f"Org {size}")
        contact = ContactFactory(first_name=f"History {size}", organization_id=organization.pk)
        ContactFactory(first_name=f"Colleague of {size}", organization_id=organization.pk)
        bulk_history(author=user, count=size, contact=contact)
        newest = ActivityFactory(
            author=user, contact=contact, kind="meeting", subject="Planned",
            starts_at=timezone.now() + datetime.timedelta(days=1),
            participants=[{"contact_id": contact.pk}, {"user_id": colleague.pk}],
        )  # fmt: skip
        attachment_create(actor=user, upload=SimpleUploadedFile("f.txt", b"file"), activity=newest)
        records[size] = (contact, organization)
    return records


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/contacts/{contact}/overview",
        "/api/v1/organizations/{organization}/overview",
        "/api/v1/activities?contact_id={contact}",
        "/api/v1/activities?organization_id={organization}",
        "/api/v1/tasks?assignee=me&status=open",
    ],
)
def test_the_api_needs_as_many_queries_for_500_activities_as_for_5(api, histories, url):
    api.get("/api/v1/activities?limit=1")  # the token's copy in the cache settles on first use
    counts = {}
    for size, (contact, organization) in histories.items():
        target = url.format(contact=contact.pk, organization=organization.pk)
        counts[size] = count_queries(lambda target=target: api.get(target))
    _assert_same_but_interactions(url, counts)
    # The sections other domains register (kontor.activities.sections) cost
    # one query each: sales adds four (deals, quotes, orders, open payments).
    assert counts[500] <= 30 + len(overview_sections())


@pytest.mark.parametrize(
    "url_name", ["contact-timeline", "organization-timeline", "my-tasks", "contact-panel"]
)
def test_the_pages_need_as_many_queries_for_500_activities_as_for_5(
    client, user, histories, url_name
):
    from django.urls import reverse

    client.force_login(user)
    # The first page reads the user's access into the shared cache; the
    # pages counted take it from there, as every page after it does.
    client.get(reverse("contact-list"))
    counts = {}
    for size, (contact, organization) in histories.items():
        if url_name == "contact-timeline":
            target = reverse(url_name, args=[contact.pk])
        elif url_name == "organization-timeline":
            target = reverse(url_name, args=[organization.pk])
        elif url_name == "contact-panel":
            # The 360° panel as the contact page shows it.
            target = reverse("contact-activity-create", args=[contact.pk, "note"])
            counts[size] = _count_panel(client, target)
            continue
        else:
            target = reverse(url_name)
        counts[size] = count_queries(lambda target=target: client.get(target))
    _assert_same_but_interactions(url_name, counts)
    assert counts[500] <= 45


def _assert_same_but_interactions(view: str, counts: dict[int, int]) -> None:
    """The 360° view finds the last and the next interaction among the rows
    it read for its other parts when the history is short; in a long one it
    may ask for each (the last interaction, the next meeting, the next
    task) once."""
    if "overview" in view or "panel" in view:
        assert counts[5] <= counts[500] <= counts[5] + 3
    else:
        assert counts[5] == counts[500]


def _count_panel(client, target) -> int:
    """An invalid note re-renders the page with the whole 360° panel."""
    with CaptureQueriesContext(connection) as queries:
        response = client.post(target, {"note-body": ""})
    assert response.status_code == 200
    assert b'id="history"' in response.content
    return len(queries)


@pytest.mark.parametrize("seed", range(6))
def test_the_interactions_found_among_rows_read_are_those_a_query_finds(user, contact, seed):
    """``last_interaction`` and ``next_interaction`` given the first rows in
    timeline and task order (``Head``) answer as their queries do, whether
    the answer is among the rows or not, for heads shorter and longer than
    the history (ties in time, tasks open and done, meetings
    past and planned)."""
    rng = random.Random(seed)
    now = timezone.now()
    hours = [rng.randint(-72, 72) for _ in range(5)]  # few distinct times: ties
    rows = []
    for index in range(rng.randint(0, 30)):
        kind = rng.choice(Kind.values)
        when = now + datetime.timedelta(hours=rng.choice(hours))
        extra = {}
        if kind == Kind.TASK:
            due = rng.choice([when, now + datetime.timedelta(hours=rng.choice(hours))])
            extra = {"status": rng.choice(["open", "open", "done"]), "due_at": due}
        elif kind == Kind.MEETING:
            extra = {"starts_at": when, "ends_at": when + datetime.timedelta(hours=1)}
        rows.append(
            Activity(kind=kind, subject=f"{kind} {index}", occurred_at=when, author=user,
                     contact=contact, **extra)
        )  # fmt: skip
    Activity.objects.bulk_create(rows)
    activities = selectors.contact_history(user=user, contact=contact)
    tasks = activities.filter(kind=Kind.TASK, status="open").order_by(*selectors.TASK_ORDER)
    newest = activities.order_by(*selectors.TIMELINE_ORDER)
    expected_last = selectors.last_interaction(activities)
    expected_next = selectors.next_interaction(activities)

    for limit in (1, 2, 5, 40):
        recent = selectors.Head(list(newest[:limit]), limit)
        open_tasks = selectors.Head(list(tasks[:limit]), limit)
        assert selectors.last_interaction(activities, newest=recent) == expected_last
        found = selectors.next_interaction(activities, newest=recent, open_tasks=open_tasks)
        assert found == expected_next
