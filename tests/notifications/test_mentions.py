import pytest

from kontor.activities.services import activity_update
from kontor.notifications.models import Notification
from kontor.notifications.services import mentioned_usernames
from tests.conftest import api_client_for
from tests.factories import ActivityFactory, ContactFactory, UserFactory


@pytest.fixture
def mia(db):
    return UserFactory(username="mia", first_name="Mia", last_name="Vertrieb")


@pytest.fixture
def jonas(db):
    return UserFactory(username="jonas")


def test_mentions_are_read_from_text_but_not_from_email_addresses():
    text = "Ask @mia. And @Jonas, not info@example.com or @@x; also (@j.doe)"
    assert mentioned_usernames(text) == {"mia", "jonas", "j.doe"}


def test_a_mentioned_colleague_is_notified(user, mia):
    note = ActivityFactory(author=user, body="@mia please call back tomorrow")
    [notification] = Notification.objects.all()
    assert notification.recipient == mia
    assert notification.actor == user
    assert notification.activity == note
    assert notification.read_at is None


def test_nobody_is_notified_for_mentioning_themselves_or_an_unknown_name(user):
    ActivityFactory(author=user, body="note to self @rep, and @nobody")
    assert not Notification.objects.exists()


def test_an_inactive_colleague_is_not_notified(user, mia):
    mia.is_active = False
    mia.save(update_fields=["is_active"])
    ActivityFactory(author=user, body="@mia")
    assert not Notification.objects.exists()


def test_editing_a_note_notifies_only_the_newly_mentioned(user, mia, jonas):
    note = ActivityFactory(author=user, body="@mia look")
    activity_update(actor=user, activity=note, data={"body": "@mia look, @jonas too"})
    activity_update(actor=user, activity=note, data={"body": "@mia @jonas done"})
    assert sorted(n.recipient.username for n in Notification.objects.all()) == ["jonas", "mia"]


def test_mentions_in_an_email_notify_nobody(user, mia):
    ActivityFactory(author=user, kind="email", body="Hi @mia")
    assert not Notification.objects.exists()


def test_a_colleague_who_may_not_see_the_contact_is_not_notified(user, mia, monkeypatch):
    from kontor.contacts import selectors

    everything = selectors.visible_contacts
    monkeypatch.setattr(
        selectors, "visible_contacts", lambda u: everything(u).filter(owner_id=u.pk)
    )
    mine = ContactFactory(owner=user)
    ActivityFactory(author=user, contact=mine, body="@mia have a look")
    assert not Notification.objects.exists()


def test_the_api_lists_my_notifications_and_marks_them_read(user, mia, jonas):
    ActivityFactory(author=user, body="@mia first")
    second = ActivityFactory(author=user, body="@mia second")
    ActivityFactory(author=user, body="@jonas not for mia")
    api = api_client_for(mia)

    listed = api.get("/api/v1/notifications").json()

    assert listed["unread_count"] == 2
    first = listed["items"][0]
    assert first["activity_id"] == str(second.pk)
    assert first["reason"] == "mention"
    assert first["message"].startswith("rep mentioned you in a note on ")
    assert first["url"].endswith(f"/activities/{second.pk}/")

    marked = api.post(f"/api/v1/notifications/{first['id']}/read")
    assert marked.status_code == 200
    assert marked.json()["read_at"] is not None
    assert api.get("/api/v1/notifications", {"unread": "true"}).json()["unread_count"] == 1
    assert api.post("/api/v1/notifications/read").json() == {"marked_read": 1}
    assert api.get("/api/v1/notifications", {"unread": "true"}).json()["items"] == []


def test_nobody_reads_or_marks_someone_elses_notifications(user, mia, jonas):
    ActivityFactory(author=user, body="@mia")
    notification = Notification.objects.get()
    api = api_client_for(jonas)
    assert api.get("/api/v1/notifications").json()["items"] == []
    assert api.post(f"/api/v1/notifications/{notification.pk}/read").status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_the_page_lists_notifications_and_marks_them_read(client, user, mia):
    note = ActivityFactory(author=user, body="@mia see this")
    client.force_login(mia)
    page = client.get("/notifications/")
    assert page.status_code == 200
    assert "mentioned you in a note" in page.content.decode()
    notification = Notification.objects.get()
    opened = client.post(f"/notifications/{notification.pk}/read/", {"open": "1"})
    assert opened.status_code == 302
    assert opened["Location"] == note.get_absolute_url()
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_the_badge_shows_the_unread_count(rf, user, mia):
    from django.template import Context, Template

    ActivityFactory(author=user, body="@mia one")
    ActivityFactory(author=user, body="@mia two")
    request = rf.get("/")
    request.user = mia
    html = Template("{% load notifications %}{% notification_badge %}").render(
        Context({"request": request})
    )
    assert 'data-unread="2"' in html
