"""The workflow pages: the rule list, the form with its errors, a rule's
runs and the "try on a record" form."""

import json

import pytest

from kontor.activities.models import Activity
from kontor.workflow.models import Rule, Run
from tests.factories import UserFactory
from tests.workflow.conftest import make_rule

pytestmark = pytest.mark.django_db


def form_data(**overrides):
    data = {
        "name": "Welcome",
        "active": "on",
        "record_type": "contact",
        "trigger": json.dumps({"on": "created"}),
        "conditions": "",
        "actions": json.dumps([{"type": "add_note", "body": "Hi"}]),
    }
    data.update(overrides)
    return data


def test_the_list_shows_each_rule_in_words(client, user):
    lead = {"field": "lifecycle_stage", "op": "eq", "value": "lead"}
    make_rule(user, name="Welcome new leads", conditions={"all": [lead]})
    client.force_login(user)
    page = client.get("/workflows/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Welcome new leads" in text
    assert "a record is created" in text and "lifecycle_stage eq &#x27;lead&#x27;" in text


def test_a_rule_is_made_with_the_form(client, user):
    client.force_login(user)
    assert client.get("/workflows/new/").status_code == 200
    answer = client.post("/workflows/new/", form_data())
    rule = Rule.objects.get()
    assert answer.status_code == 302 and answer.url == f"/workflows/{rule.pk}/"
    assert rule.owner == user and rule.actions == [{"type": "add_note", "body": "Hi"}]


def test_the_form_shows_what_is_wrong(client, user):
    client.force_login(user)
    answer = client.post(
        "/workflows/new/",
        form_data(
            trigger="{not json",
            actions=json.dumps([{"type": "set_field", "field": "shoe_size", "value": 1}]),
        ),
    )
    assert answer.status_code == 200
    text = answer.content.decode()
    assert "no valid JSON" in text
    answer = client.post(
        "/workflows/new/",
        form_data(actions=json.dumps([{"type": "set_field", "field": "shoe_size", "value": 1}])),
    )
    assert "&#x27;shoe_size&#x27; is no field of contact" in answer.content.decode()
    assert not Rule.objects.exists()


def test_a_rule_is_changed_and_deleted(client, user):
    rule = make_rule(user)
    client.force_login(user)
    assert client.get(f"/workflows/{rule.pk}/edit/").status_code == 200
    answer = client.post(f"/workflows/{rule.pk}/edit/", form_data(name="Renamed", active=""))
    assert answer.status_code == 302
    rule.refresh_from_db()
    assert rule.name == "Renamed" and rule.active is False and rule.version == 2
    assert client.post(f"/workflows/{rule.pk}/delete/").status_code == 302
    assert not Rule.objects.exists()


def test_try_on_a_record_changes_nothing(client, user, contact):
    rule = make_rule(user, actions=[{"type": "add_note", "body": "Hi {{ contact.first_name }}"}])
    client.force_login(user)
    page = client.post(f"/workflows/{rule.pk}/", {"record_id": str(contact.pk)})
    assert page.status_code == 200
    text = page.content.decode()
    assert "The conditions hold" in text and "add_note" in text
    assert not Activity.objects.filter(contact=contact).exists()
    assert Run.objects.get().dry_run
    page = client.post(f"/workflows/{rule.pk}/", {"record_id": "nothing"})
    assert "no such record" in page.content.decode()


def test_only_administrators_see_the_pages(client, user):
    rule = make_rule(user)
    client.force_login(UserFactory(username="otto", roles=["sales"]))
    for url in ("/workflows/", "/workflows/new/", f"/workflows/{rule.pk}/",
                f"/workflows/{rule.pk}/edit/"):  # fmt: skip
        assert client.get(url).status_code == 403
    assert client.post(f"/workflows/{rule.pk}/delete/").status_code == 403
    assert "/workflows/" not in client.get("/", follow=True).content.decode()
