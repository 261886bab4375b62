import datetime

from django.utils import timezone

from kontor.access.models import Team
from kontor.access.services import share_create
from tests.conftest import api_client_for
from tests.factories import ActivityFactory, ContactFactory, OrganizationFactory, UserFactory
from tests.query_counts import CaptureWorkQueries


def iso(moment: datetime.datetime) -> str:
    return moment.isoformat()


def loc_fields(response) -> list[str]:
    return [".".join(str(p) for p in d["loc"][1:]) for d in response.json()["detail"]]


def test_a_call_is_logged_and_read_back_with_its_fields(api, user, contact, organization):
    created = api.post(
        "/api/v1/activities",
        {
            "kind": "call",
            "contact_id": str(contact.pk),
            "direction": "inbound",
            "outcome": "voicemail",
            "duration_seconds": 42,
            "phone_number": "+49 711 2299300-41",
            "subject": "Rückruf",
            "body": "Bitte zurückrufen.",
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert created["Location"] == f"/api/v1/activities/{body['id']}"
    assert created["ETag"] == '"1"'
    assert body["kind"] == "call"
    assert body["organization_id"] == str(organization.pk)
    assert body["author_id"] == user.pk
    assert (body["outcome"], body["duration_seconds"], body["direction"]) == (
        "voicemail",
        42,
        "inbound",
    )
    assert body["due_at"] is None and body["from"] is None
    assert api.get(f"/api/v1/activities/{body['id']}").json() == body


def test_fields_of_every_kind_are_in_the_body(api, contact):
    start = timezone.now().replace(microsecond=0)
    meeting = api.post(
        "/api/v1/activities",
        {
            "kind": "meeting",
            "contact_id": str(contact.pk),
            "subject": "Workshop",
            "starts_at": iso(start),
            "ends_at": iso(start + datetime.timedelta(hours=2)),
            "location": "Stuttgart",
            "participants": [{"contact_id": str(contact.pk)}],
        },
    ).json()
    assert meeting["location"] == "Stuttgart"
    assert meeting["participants"] == [
        {"contact_id": str(contact.pk), "user_id": None, "name": "Sabine Koch"}
    ]
    email = api.post(
        "/api/v1/activities",
        {
            "kind": "email",
            "contact_id": str(contact.pk),
            "subject": "Angebot",
            "message_id": "<m1@example.com>",
            "from": "s.koch@mueller.example",
            "to": ["rep@kontor.example"],
            "cc": [],
            "thread": "<m0@example.com>",
        },
    ).json()
    assert (email["from"], email["to"], email["thread"], email["direction"]) == (
        "s.koch@mueller.example",
        ["rep@kontor.example"],
        "<m0@example.com>",
        "outbound",
    )
    expected_keys = {
        "id", "kind", "subject", "body", "occurred_at", "direction", "contact_id",
        "organization_id", "author_id", "duration_seconds", "outcome", "due_at",
        "assignee_id", "status", "starts_at", "ends_at", "location", "participants",
        "message_id", "from", "to", "cc", "thread", "phone_number", "completed_at", "version",
        "files",
    }  # fmt: skip
    assert expected_keys <= set(email)


def test_kind_specific_data_of_the_wrong_kind_is_a_422_naming_the_field(api, contact):
    response = api.post(
        "/api/v1/activities",
        {"kind": "note", "contact_id": str(contact.pk), "body": "x", "outcome": "answered"},
    )
    assert response.status_code == 422
    assert loc_fields(response) == ["outcome"]
    assert "does not apply to a note" in response.json()["detail"][0]["msg"]


def test_a_meeting_ending_before_its_start_is_a_422(api, contact):
    start = timezone.now()
    response = api.post(
        "/api/v1/activities",
        {
            "kind": "meeting",
            "contact_id": str(contact.pk),
            "subject": "x",
            "starts_at": iso(start),
            "ends_at": iso(start - datetime.timedelta(hours=1)),
        },
    )
    assert response.status_code == 422
    assert loc_fields(response) == ["ends_at"]


def test_a_negative_duration_is_a_422(api, contact):
    response = api.post(
        "/api/v1/activities",
        {"kind": "call", "contact_id": str(contact.pk), "duration_seconds": -1},
    )
    assert response.status_code == 422
    assert loc_fields(response) == ["duration_seconds"]


def test_an_unknown_field_and_an_unknown_kind_are_422s(api, contact):
    typo = api.post(
        "/api/v1/activities", {"kind": "note", "contact_id": str(contact.pk), "bdy": "x"}
    )
    assert typo.status_code == 422
    kind = api.post("/api/v1/activities", {"kind": "fax", "contact_id": str(contact.pk)})
    assert kind.status_code == 422
    assert loc_fields(kind) == ["kind"]


def test_an_unknown_contact_is_a_422_not_a_500(api):
    response = api.post(
        "/api/v1/activities",
        {"kind": "note", "body": "x", "contact_id": "0190d6f0-0000-7000-8000-000000000000"},
    )
    assert response.status_code == 422
    assert loc_fields(response) == ["contact_id"]


def test_patch_changes_fields_and_bumps_the_version(api, user, contact):
    note = ActivityFactory(author=user, contact=contact, body="first")
    response = api.patch(f"/api/v1/activities/{note.pk}", {"body": "second", "version": 1})
    assert response.status_code == 200
    assert response.json()["body"] == "second"
    assert response.json()["version"] == 2
    assert response["ETag"] == '"2"'


def test_patch_with_a_stale_version_is_a_409(api, user, contact):
    note = ActivityFactory(author=user, contact=contact, body="first")
    api.patch(f"/api/v1/activities/{note.pk}", {"body": "second", "version": 1})
    stale = api.patch(f"/api/v1/activities/{note.pk}", {"body": "third", "version": 1})
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2
    by_header = api.patch(
        f"/api/v1/activities/{note.pk}", {"body": "third"}, headers={"If-Match": '"1"'}
    )
    assert by_header.status_code == 409


def test_patch_of_a_field_of_another_kind_is_a_422(api, user, contact):
    note = ActivityFactory(author=user, contact=contact)
    response = api.patch(f"/api/v1/activities/{note.pk}", {"due_at": iso(timezone.now())})
    assert response.status_code == 422
    assert loc_fields(response) == ["due_at"]


def test_delete_removes_the_activity(api, user, contact):
    note = ActivityFactory(author=user, contact=contact)
    assert api.delete(f"/api/v1/activities/{note.pk}").status_code == 204
    assert api.get(f"/api/v1/activities/{note.pk}").status_code == 404


def test_the_list_is_newest_first_and_cursor_paginated(api, user, contact):
    now = timezone.now()
    for hours in range(5):
        ActivityFactory(
            author=user, contact=contact, body=f"{hours}h ago",
            occurred_at=now - datetime.timedelta(hours=hours),
        )  # fmt: skip
    first = api.get("/api/v1/activities", {"contact_id": contact.pk, "limit": 3}).json()
    assert [a["body"] for a in first["items"]] == ["0h ago", "1h ago", "2h ago"]
    second = api.get(
        "/api/v1/activities", {"contact_id": contact.pk, "limit": 3, "cursor": first["next"]}
    ).json()
    assert [a["body"] for a in second["items"]] == ["3h ago", "4h ago"]
    assert second["next"] is None


def test_the_list_filters_by_kind_time_assignee_and_status(api, user, contact, colleague):
    now = timezone.now()
    ActivityFactory(author=user, contact=contact, kind="call", occurred_at=now)
    ActivityFactory(
        author=user, contact=contact, kind="note", body="old",
        occurred_at=now - datetime.timedelta(days=10),
    )  # fmt: skip
    mine = ActivityFactory(author=user, contact=contact, kind="task", subject="mine", due_at=now)
    ActivityFactory(
        author=user, contact=contact, kind="task", subject="theirs", due_at=now,
        assignee_id=colleague.pk,
    )  # fmt: skip

    def kinds(**params):
        items = api.get("/api/v1/activities", params).json()["items"]
        return sorted(a["kind"] for a in items)

    assert kinds(kind="call") == ["call"]
    assert kinds(kind="call,note") == ["call", "note"]
    assert kinds(since=iso(now - datetime.timedelta(days=1))) == ["call", "task", "task"]
    assert kinds(until=iso(now - datetime.timedelta(days=1))) == ["note"]
    assert kinds(assignee_id=user.pk) == ["task"]
    assert kinds(status="open") == ["task", "task"]
    tasks = api.get("/api/v1/activities", {"assignee_id": user.pk}).json()["items"]
    assert [t["id"] for t in tasks] == [str(mine.pk)]
    assert api.get("/api/v1/activities", {"kind": "fax"}).status_code == 422


def test_the_organization_filter_includes_its_contacts_activities(api, user, contact, organization):
    own = ActivityFactory(author=user, contact=None, organization=organization, body="own")
    persons = ActivityFactory(author=user, contact=contact, body="person")
    # Logged for the person at another organization, before they joined this one.
    elsewhere = OrganizationFactory(name="Old employer")
    earlier = ActivityFactory(author=user, contact=contact, organization=elsewhere, body="old")
    ActivityFactory(author=user, body="unrelated")
    items = api.get("/api/v1/activities", {"organization_id": organization.pk}).json()["items"]
    assert {a["id"] for a in items} == {str(own.pk), str(persons.pk), str(earlier.pk)}


def test_my_open_tasks_are_listed_soonest_first(api, user, contact, colleague):
    now = timezone.now()
    later = ActivityFactory(
        author=user, contact=contact, kind="task", subject="later",
        due_at=now + datetime.timedelta(days=3),
    )  # fmt: skip
    overdue = ActivityFactory(
        author=user, contact=contact, kind="task", subject="overdue",
        due_at=now - datetime.timedelta(days=1),
    )  # fmt: skip
    done = ActivityFactory(author=user, contact=contact, kind="task", subject="d", due_at=now)
    api.patch(f"/api/v1/activities/{done.pk}", {"status": "done"})
    ActivityFactory(
        author=user, contact=contact, kind="task", subject="theirs", due_at=now,
        assignee_id=colleague.pk,
    )  # fmt: skip
    response = api.get("/api/v1/tasks", {"assignee": "me", "status": "open"})
    assert response.status_code == 200
    assert [t["id"] for t in response.json()["items"]] == [str(overdue.pk), str(later.pk)]
    for wrong in ("someone", "²", "0", "1" * 19):  # "²" is a digit to str.isdigit()
        assert api.get("/api/v1/tasks", {"assignee": wrong}).status_code == 422


def test_completing_a_task_over_the_api_sets_the_completion_time(api, user, contact):
    task = ActivityFactory(
        author=user, contact=contact, kind="task", subject="x", due_at=timezone.now()
    )
    body = api.patch(f"/api/v1/activities/{task.pk}", {"status": "done"}).json()
    assert body["status"] == "done"
    assert body["completed_at"] is not None


def test_an_activity_of_a_hidden_contact_is_a_404(user, stranger):
    hidden = ContactFactory(owner=stranger)
    note = ActivityFactory(author=stranger, contact=hidden)
    api = api_client_for(user)
    assert api.get(f"/api/v1/activities/{note.pk}").status_code == 404
    assert api.patch(f"/api/v1/activities/{note.pk}", {"body": "x"}).status_code == 404
    assert api.delete(f"/api/v1/activities/{note.pk}").status_code == 404
    assert api.get("/api/v1/activities").json()["items"] == []
    assert api.get(f"/api/v1/contacts/{hidden.pk}/overview").status_code == 404


def test_a_contact_shared_with_the_user_shows_its_history(user, stranger):
    shared = ContactFactory(owner=stranger)
    note = ActivityFactory(author=stranger, contact=shared, body="for both of us")
    api = api_client_for(user)
    assert api.get(f"/api/v1/activities/{note.pk}").status_code == 404

    share_create(actor=stranger, record=shared, user=user)

    assert api.get(f"/api/v1/activities/{note.pk}").json()["body"] == "for both of us"
    assert [a["id"] for a in api.get("/api/v1/activities").json()["items"]] == [str(note.pk)]
    overview = api.get(f"/api/v1/contacts/{shared.pk}/overview").json()
    assert [a["id"] for a in overview["recent_activities"]] == [str(note.pk)]


def test_a_contact_timeline_shows_nothing_of_a_hidden_contact_until_it_is_shared(user, stranger):
    hidden = ContactFactory(owner=stranger)
    note = ActivityFactory(author=stranger, contact=hidden, body="for both of us")
    api = api_client_for(user)
    assert api.get("/api/v1/activities", {"contact_id": hidden.pk}).json()["items"] == []

    share_create(actor=stranger, record=hidden, user=user)

    listed = api.get("/api/v1/activities", {"contact_id": hidden.pk}).json()["items"]
    assert [a["id"] for a in listed] == [str(note.pk)]


def test_a_reps_contact_timeline_asks_once_whether_the_contact_is_visible(user, stranger):
    """Not once per activity: the page's query has no visibility subquery."""
    ours = ContactFactory(owner=user)
    notes = [ActivityFactory(author=user, contact=ours, body=f"note {i}") for i in range(3)]
    api = api_client_for(user)
    url = f"/api/v1/activities?contact_id={ours.pk}"
    api.get(url)  # the token's copy in the cache settles on first use

    with CaptureWorkQueries() as queries:
        listed = api.get(url).json()["items"]

    assert {a["id"] for a in listed} == {str(n.pk) for n in notes}
    [page] = [sql for sql in queries.work if 'FROM "activities_activity"' in sql]
    assert "EXISTS" not in page.upper()


def test_the_history_of_a_team_mates_contact_is_visible(user, stranger):
    north = Team.objects.get(name="North")
    mate = UserFactory(username="mate", roles=["sales"], teams=[north.name])
    ours = ContactFactory(owner=mate)
    note = ActivityFactory(author=mate, contact=ours)
    hidden_note = ActivityFactory(author=stranger, contact=ContactFactory(owner=stranger))
    api = api_client_for(user)

    listed = [a["id"] for a in api.get("/api/v1/activities").json()["items"]]

    assert listed == [str(note.pk)]
    assert api.get(f"/api/v1/activities/{hidden_note.pk}").status_code == 404


def test_a_hidden_contact_on_a_visible_organization_stays_hidden(user, organization, stranger):
    # The organization is shared with the other team, which files a contact under it.
    share_create(actor=user, record=organization, user=stranger)
    hidden = ContactFactory(owner=stranger, organization_id=organization.pk)
    ActivityFactory(author=stranger, contact=hidden, body="secret")
    api = api_client_for(user)
    listed = api.get("/api/v1/activities", {"organization_id": organization.pk}).json()
    assert listed["items"] == []
    overview = api.get(f"/api/v1/organizations/{organization.pk}/overview").json()
    assert overview["recent_activities"] == []
    assert sum(overview["counts"].values()) == 0
    assert overview["colleagues"] == []


def test_the_api_needs_authentication(client, contact):
    assert client.get("/api/v1/activities").status_code == 401
    assert client.get(f"/api/v1/contacts/{contact.pk}/overview").status_code == 401


def _timeline_queries(api, contact, meetings: int) -> int:
    """The queries of a contact's timeline once it has ``meetings``
    meetings, each with a participant."""
    start = timezone.now().replace(microsecond=0)
    url = f"/api/v1/activities?contact_id={contact.pk}"
    for index in range(meetings - len(api.get(url).json()["items"])):
        ActivityFactory(
            contact=contact,
            kind="meeting",
            subject=f"Workshop {index}",
            starts_at=iso(start + datetime.timedelta(days=index)),
            participants=[{"contact_id": str(contact.pk)}],
        )
    api.get(url)  # the token's copy in the cache settles on first use
    with CaptureWorkQueries() as queries:
        page = api.get(url).json()
    assert [item["participants"][0]["name"] for item in page["items"]] == ["Sabine Koch"] * meetings
    return len(queries.work)


def test_a_timeline_page_reads_participants_and_files_once_however_long(api, contact):
    few = _timeline_queries(api, contact, 2)
    many = _timeline_queries(api, contact, 10)

    assert many == few
