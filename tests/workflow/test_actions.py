"""Each action, run as the rule's owner through the domain's services; the
audit trail names the rule."""

import json

import pytest

from kontor.activities.models import Activity
from kontor.audit.models import AuditEntry
from kontor.core.exceptions import FieldErrors
from kontor.integration.models import OutgoingEmail, WebhookSubscription
from kontor.integration.webhooks.sending import send_due
from kontor.notifications.models import Notification
from kontor.sales.models import Deal
from kontor.workflow.engine import run_rule
from kontor.workflow.models import Rule
from tests.conftest import api_client_for
from tests.factories import UserFactory
from tests.integration.receiver import webhook_receiver
from tests.workflow.conftest import drain, make_rule

pytestmark = pytest.mark.django_db


def run(owner, record, *actions, record_type="contact"):
    rule = make_rule(owner, record_type=record_type, actions=list(actions))
    result = run_rule(rule, record, trigger="created")
    assert result.matched
    return result


def test_set_field_through_the_service_and_the_audit_names_the_rule(user, contact):
    result = run(user, contact, {"type": "set_field", "field": "lifecycle_stage",
                                 "value": "customer"})  # fmt: skip
    assert result.actions[0]["status"] == "done", result.actions
    contact.refresh_from_db()
    assert contact.lifecycle_stage == "customer"
    entry = AuditEntry.objects.filter(object_type="contact", object_id=str(contact.pk)).first()
    assert entry.actor_id == user.pk and entry.channel == "workflow"
    assert entry.via.startswith(f"rule {result.rule_id}: ")
    assert entry.changes["lifecycle_stage"][1] == "customer"


def test_set_field_on_a_custom_field(user, deal):
    from kontor.customfields.models import CustomFieldDefinition

    CustomFieldDefinition.objects.create(
        object_type="deal", key="segment", label="Segment", field_type="text"
    )
    result = run(user, deal, {"type": "set_field", "field": "custom.segment", "value": "SMB"},
                 record_type="deal")  # fmt: skip
    assert result.actions[0]["status"] == "done", result.actions
    deal.refresh_from_db()
    assert deal.custom == {"segment": "SMB"}


def test_a_refused_value_fails_that_action_only(user, contact):
    result = run(
        user,
        contact,
        {"type": "set_field", "field": "lifecycle_stage", "value": "boss"},
        {"type": "add_note", "body": "still noted"},
    )
    assert result.actions[0]["status"] == "failed"
    assert "lifecycle_stage" in result.actions[0]["error"]
    assert result.actions[1]["status"] == "done"
    assert Activity.objects.filter(contact=contact, kind="note").count() == 1


def test_assign_a_fixed_user(user, deal):
    colleague = UserFactory(username="anna")
    result = run(user, deal, {"type": "assign", "user_id": colleague.pk}, record_type="deal")
    assert result.actions[0]["status"] == "done", result.actions
    deal.refresh_from_db()
    assert deal.owner_id == colleague.pk


def test_assign_round_robin_within_a_team(user, organization):
    from kontor.access.models import Team
    from kontor.contacts.services import contact_create

    members = [UserFactory(username=f"agent{i}", teams=["Support"]) for i in range(3)]
    team = Team.objects.get(name="Support")
    rule = make_rule(user, actions=[{"type": "assign", "team_id": str(team.pk)}])
    owners = []
    for i in range(4):
        contact = contact_create(actor=user, data={"first_name": f"C{i}"})
        run_rule(Rule.objects.get(pk=rule.pk), contact, trigger="created")
        contact.refresh_from_db()
        owners.append(contact.owner_id)
    ids = sorted(m.pk for m in members)
    assert owners == [ids[0], ids[1], ids[2], ids[0]]


def test_create_task_as_a_follow_up(user, contact):
    colleague = UserFactory(username="anna")
    result = run(user, contact, {"type": "create_task", "subject": "Call {{ contact.first_name }}",
                                 "due_in_days": 2, "assignee_id": colleague.pk})  # fmt: skip
    assert result.actions[0]["status"] == "done", result.actions
    task = Activity.objects.get(contact=contact, kind="task")
    assert task.subject == "Call Sabine" and task.assignee_id == colleague.pk
    assert task.status == "open" and task.due_at is not None
    # It is on the assignee's task list.
    answer = api_client_for(colleague).get("/api/v1/tasks?assignee=me").json()
    assert [t["id"] for t in answer["items"]] == [str(task.pk)]


def test_add_note(user, deal):
    result = run(user, deal, {"type": "add_note", "body": "Big one: {{ deal.amount }}"},
                 record_type="deal")  # fmt: skip
    assert result.actions[0]["status"] == "done", result.actions
    note = Activity.objects.get(linked_id=deal.pk, kind="note")
    assert note.body == "Big one: 12000.00" and note.contact_id == deal.contact_id


@pytest.mark.parametrize(
    ("language", "subject"), [("de", "Hallo Sabine"), ("en", "Hello Sabine & co")]
)
def test_send_email_from_a_template_in_german_or_english(user, contact, language, subject):
    template = {"de": "Hallo {{ contact.first_name }}", "en": "Hello {{ contact.first_name }} & co"}
    result = run(user, contact, {"type": "send_email", "subject": template, "language": language,
                                 "body": "<{{ organization.name }}>"})  # fmt: skip
    assert result.actions[0]["status"] == "done", result.actions
    email = OutgoingEmail.objects.get()
    assert email.subject == subject
    assert email.to_addresses == ["s.koch@mueller.example"]
    # Plain text: nothing escaped.
    assert email.body_text.strip() == "<Müller & Söhne KG>"


def test_templates_reach_plain_data_only(user, contact):
    body = "[{{ contact.delete }}{{ rule.owner.password }}]"
    result = run(user, contact, {"type": "add_note", "body": body})
    assert result.actions[0]["status"] == "done"
    assert Activity.objects.get(contact=contact, kind="note").body == "[]"


def test_a_template_with_tags_is_refused_on_save(user):
    with pytest.raises(FieldErrors) as refused:
        make_rule(user, actions=[{"type": "add_note", "body": "x"}, {
            "type": "send_email", "subject": "{% load static %}", "body": "b"}])  # fmt: skip
    assert "actions[1].subject" in refused.value.errors


def test_notify_users_who_may_see_the_record(user, contact):
    reader = UserFactory(username="anna")
    outsider = UserFactory(username="otto", roles=["sales"])
    result = run(user, contact, {"type": "notify", "user_ids": [reader.pk, outsider.pk],
                                 "to_owner": True,
                                 "message": "Look at {{ contact.display_name }}"})  # fmt: skip
    assert result.actions[0]["status"] == "done", result.actions
    told = Notification.objects.values_list("recipient__username", "message")
    assert sorted(told) == [("anna", "Look at Sabine Koch"), ("rep", "Look at Sabine Koch")]


def test_webhook_one_delivery_sent_by_the_worker(user, contact, settings):
    settings.KONTOR_WEBHOOKS_ALLOW_PRIVATE = True
    with webhook_receiver() as receiver:
        answer = api_client_for(user).post(
            "/api/v1/webhooks", {"url": receiver.url, "events": ["organization.deleted"]}
        )
        webhook_id = answer.json()["id"]
        result = run(user, contact, {"type": "webhook", "webhook_id": webhook_id})
        assert result.actions[0]["status"] == "done", result.actions
        drain()
        send_due(WebhookSubscription.objects.get().pk)
        (request,) = receiver.requests
    body = json.loads(request.body)
    assert body["type"] == "contact.updated"
    assert body["data"]["id"] == str(contact.pk)


def test_an_unknown_webhook_is_refused_on_save(user):
    with pytest.raises(FieldErrors) as refused:
        make_rule(
            user,
            actions=[{"type": "webhook", "webhook_id": "0190d6f0-0000-7000-8000-000000000000"}],
        )
    assert refused.value.errors["actions[0].webhook_id"] == ["is no webhook of the rule's owner"]


def test_create_deal_for_the_customer(user, contact, organization):
    data = {"title": "Follow-up {{ contact.last_name }}"}
    result = run(user, contact, {"type": "create_deal", "data": data})
    assert result.actions[0]["status"] == "done", result.actions
    deal = Deal.objects.get()
    assert deal.title == "Follow-up Koch"
    assert deal.contact_id == contact.pk and deal.organization_id == organization.pk
    assert deal.owner_id == user.pk


def test_move_stage(user, deal, stages):
    result = run(user, deal, {"type": "move_stage", "stage_id": str(stages["Proposal"].pk)},
                 record_type="deal")  # fmt: skip
    assert result.actions[0]["status"] == "done", result.actions
    deal.refresh_from_db()
    assert deal.stage_id == stages["Proposal"].pk
    entry = AuditEntry.objects.filter(object_type="deal", object_id=str(deal.pk)).first()
    assert entry.via and entry.channel == "workflow"


def test_create_ticket_through_the_registry_once_tickets_are_installed(user, contact):
    """Tickets are reached by the registry only (no import of their app):
    while they are not installed the action is refused on save; once they
    are, a rule makes one for the customer and rules act on tickets."""
    from kontor.core.records import is_registered, record_type

    action = {"type": "create_ticket", "data": {"subject": "Call back {{ contact.last_name }}"}}
    if not is_registered("ticket"):
        with pytest.raises(FieldErrors) as refused:
            make_rule(user, actions=[action])
        assert "not installed" in refused.value.errors["actions[0].type"][0]
        return
    result = run(user, contact, action)
    assert result.actions[0]["status"] == "done", result.actions
    ticket = record_type("ticket").model_class().objects.get()
    assert ticket.subject == "Call back Koch" and ticket.contact_id == contact.pk
    result = run(
        user,
        ticket,
        {"type": "assign", "user_id": user.pk},
        {"type": "set_field", "field": "priority", "value": "high"},
        {"type": "add_note", "body": "noted"},
        record_type="ticket",
    )
    assert [a["status"] for a in result.actions] == ["done", "done", "done"], result.actions
    ticket.refresh_from_db()
    assert ticket.assignee_id == user.pk and ticket.priority == "high"


def test_an_unknown_stage_is_refused_on_save(user):
    for stage_id in ("0190d6f0-0000-7000-8000-000000000000", "x", None):
        with pytest.raises(FieldErrors) as refused:
            make_rule(user, record_type="deal",
                      actions=[{"type": "move_stage", "stage_id": stage_id}])  # fmt: skip
        assert refused.value.errors["actions[0].stage_id"] == ["is no stage of deal records"]
    with pytest.raises(FieldErrors) as refused:
        make_rule(user, actions=[{"type": "move_stage", "stage_id": "x"}])
    assert "contact records have no stages" in refused.value.errors["actions[0].type"]
