"""Loops stop, chains have a depth limit, a dry run changes nothing, a rule
reaches only what its owner may see, and works-council mode refuses rules
that watch colleagues."""

import pytest

from kontor.access.grants import forget_access
from kontor.access.models import Role
from kontor.activities.models import Activity
from kontor.audit.models import AuditEntry
from kontor.contacts.models import Contact
from kontor.contacts.services import contact_update
from kontor.events.models import OutboxEvent
from kontor.integration.models import OutgoingEmail
from kontor.notifications.models import Notification
from kontor.sales.models import Deal
from kontor.tasks.models import Job
from kontor.workflow.models import Run
from tests.conftest import api_client_for
from tests.factories import ContactFactory, UserFactory
from tests.workflow.conftest import drain, make_rule

pytestmark = pytest.mark.django_db


def test_a_rule_is_not_triggered_by_its_own_changes(user, contact):
    rule = make_rule(
        user,
        trigger={"on": "updated"},
        actions=[{"type": "set_field", "field": "notes", "value": "touched by the rule"}],
    )
    contact_update(actor=user, contact=contact, data={"notes": "by hand"})
    drain()
    assert Run.objects.filter(rule=rule).count() == 1
    contact.refresh_from_db()
    assert contact.notes == "touched by the rule"


def test_two_rules_changing_the_same_record_stop(user, contact):
    rules = [
        make_rule(user, name=name, trigger={"on": "updated"},
                  actions=[{"type": "set_field", "field": "notes", "value": name}])
        for name in ("A", "B")
    ]  # fmt: skip
    contact_update(actor=user, contact=contact, data={"notes": "by hand"})
    drain()
    # Each runs for the change by hand and once for the other's change;
    # a change caused by both triggers neither.
    assert [Run.objects.filter(rule=r).count() for r in rules] == [2, 2]


def test_a_chain_of_rules_stops_at_the_depth_limit(user, contact, settings):
    settings.KONTOR_WORKFLOW_MAX_DEPTH = 5
    rules = [
        make_rule(
            user,
            name=f"step {i}",
            trigger={"on": "field_changed", "field": "notes", "to": str(i)},
            actions=[{"type": "set_field", "field": "notes", "value": str(i + 1)}],
        )
        for i in range(7)
    ]
    contact_update(actor=user, contact=contact, data={"notes": "0"})
    drain()
    contact.refresh_from_db()
    assert contact.notes == "5"
    depths = [list(Run.objects.filter(rule=r).values_list("depth", "matched")) for r in rules]
    assert depths[:5] == [[(1, True)], [(2, True)], [(3, True)], [(4, True)], [(5, True)]]
    (stopped,) = Run.objects.filter(rule=rules[5])
    assert stopped.depth == 6 and not stopped.matched
    assert "depth limit" in stopped.error
    assert stopped.actions == [{"type": "set_field", "status": "skipped", "error": ""}]
    assert not Run.objects.filter(rule=rules[6]).exists()
    last = OutboxEvent.objects.filter(name="contact.updated").order_by("-id").first()
    assert last.cause["depth"] == 5 and len(last.cause["rules"]) == 5


def test_a_dry_run_tells_what_would_happen_and_changes_nothing(user, contact):
    rule = make_rule(
        user,
        trigger={"on": "updated"},
        actions=[
            {"type": "set_field", "field": "lifecycle_stage", "value": "customer"},
            {"type": "add_note", "body": "Note"},
            {"type": "create_task", "subject": "Call", "due_in_days": 1},
            {"type": "send_email", "subject": "Hi {{ contact.first_name }}", "body": "Text"},
            {"type": "notify", "to_owner": True, "message": "Look"},
            {"type": "create_deal", "data": {"title": "Upsell"}},
            {"type": "set_field", "field": "lifecycle_stage", "value": "boss"},
        ],
    )
    models = (Contact, Activity, AuditEntry, OutboxEvent, OutgoingEmail, Notification, Deal, Job)
    before = [m.objects.count() for m in models]
    answer = api_client_for(user).post(
        f"/api/v1/workflows/{rule.pk}/test",
        {"record_type": "contact", "record_id": str(contact.pk)},
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["matched"] is True
    statuses = [a["status"] for a in body["actions"]]
    assert statuses == ["done"] * 6 + ["failed"]
    assert body["actions"][3]["detail"].endswith("queued")
    assert [m.objects.count() for m in models] == before
    contact.refresh_from_db()
    assert contact.lifecycle_stage != "customer"
    assert Run.objects.get(rule=rule).dry_run is True


@pytest.fixture
def restricted_owner(user):
    """An administrator of rules who reads only their own records."""
    role = Role.objects.create(
        slug="rules-only",
        name="rules only",
        levels={"*": {"read": "own", "create": "own", "edit": "own", "delete": "own",
                      "export": "none"}},
        categories={"standard": "edit", "personal": "edit", "financial": "none",
                    "special": "none"},
        manage_access=True,
    )  # fmt: skip
    owner = UserFactory(username="restricted", roles=[])
    owner.kontor_roles.set([role])
    forget_access(owner)
    return owner


def test_a_rule_cannot_reach_records_its_owner_may_not_see(user, restricted_owner):
    rule = make_rule(
        restricted_owner,
        actions=[{"type": "add_note", "body": "seen"},
                 {"type": "set_field", "field": "notes", "value": "changed"}],
    )  # fmt: skip
    hidden = ContactFactory(first_name="Hidden", owner=user)
    own = ContactFactory(first_name="Own", owner=restricted_owner)
    drain()
    assert list(Run.objects.filter(rule=rule).values_list("record_id", flat=True)) == [str(own.pk)]
    assert not Activity.objects.filter(contact=hidden).exists()
    hidden.refresh_from_db()
    assert hidden.notes == ""
    answer = api_client_for(user).post(
        f"/api/v1/workflows/{rule.pk}/test",
        {"record_type": "contact", "record_id": str(hidden.pk)},
    )
    assert answer.status_code == 422
    assert "owner may not see" in str(answer.json())


def test_works_council_mode_refuses_rules_that_watch_colleagues(user, settings):
    settings.KONTOR_WORKS_COUNCIL_MODE = True
    api = api_client_for(user)
    watching = {
        "name": "Watch Anna",
        "record_type": "activity",
        "trigger": {"on": "created"},
        "conditions": {"all": [{"field": "author", "op": "eq", "value": user.pk}]},
        "actions": [{"type": "notify", "user_ids": [user.pk], "message": "Anna did something"}],
    }
    answer = api.post("/api/v1/workflows", watching)
    assert answer.status_code == 422
    assert "Works-council mode" in str(answer.json())
    # Whether a record has an owner at all is no watching.
    unassigned = {**watching, "record_type": "contact", "name": "Unassigned",
                  "conditions": {"all": [{"field": "owner", "op": "empty"}]}}  # fmt: skip
    assert api.post("/api/v1/workflows", unassigned).status_code == 201
