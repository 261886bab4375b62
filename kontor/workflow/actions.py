"""What a rule's actions do. Each calls the domain's service with the
rule's owner as the actor (so the owner's access applies) and returns a
short description of what it did (ids and field names, no values: a run's
log holds no personal data); a refusal raises (ServiceError and the like)
and becomes the action's error."""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.module_loading import import_string

from kontor.access.models import Team
from kontor.access.policy import can
from kontor.access.rights import Action
from kontor.activities.services import activity_create
from kontor.consent.selectors import basis_problem
from kontor.core.exceptions import FieldErrors, PermissionDenied
from kontor.core.records import RecordType, record_type
from kontor.integration.email.services import email_send
from kontor.integration.webhooks.selectors import subscription_get
from kontor.integration.webhooks.services import delivery_for_record
from kontor.notifications.services import notify
from kontor.workflow import fields, targets, templates_text
from kontor.workflow.models import Rule


@dataclass
class Target:
    """The record a rule runs on, as its owner sees it."""

    rule: Rule
    kind: RecordType
    record: Any
    event_name: str = ""
    _data: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def owner(self) -> Any:
        return self.rule.owner

    def placeholders(self) -> dict[str, Any]:
        """The records a template may name: the record under its type's key,
        its contact and organization, each as the owner may read it."""
        if self._data is None:
            data: dict[str, Any] = {"rule": {"name": self.rule.name}}
            data[self.kind.key] = _answer(self.kind, self.record, self.owner)
            contact, organization = targets.customer_of(self.kind, self.record)
            for key, row in (("contact", contact), ("organization", organization)):
                if row is not None and key not in data:
                    data[key] = _answer(record_type(key), row, self.owner)
            self._data = data
        return self._data


def _answer(kind: RecordType, record: Any, user: Any) -> dict[str, Any]:
    if not kind.serialize:
        return {}
    return _plain(import_string(kind.serialize)(record, user) or {})


def _plain(value: Any) -> Any:
    """JSON-like data only: nothing a template could call."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _render(target: Target, text: Any, language: str | None = None) -> str:
    chosen = templates_text.pick(text, language or settings.LANGUAGE_CODE[:2])
    return templates_text.render(chosen, target.placeholders())


def _user(user_id: Any) -> Any:
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise FieldErrors.single("user_id", f"user {user_id} is not active")
    return user


def set_field(target: Target, action: dict[str, Any]) -> str:
    name, value = action["field"], action["value"]
    if name.startswith(fields.CUSTOM_PREFIX):
        data = {"custom": {name.removeprefix(fields.CUSTOM_PREFIX): value}}
    else:
        field_ = fields.model_field(target.kind, name)
        data = {field_.attname if field_.is_relation else field_.name: value}
    targets.update(target.kind, target.owner, target.record, data)
    return f"{name} set"


def _round_robin(target: Target, team_id: Any) -> Any:
    """The team's next active member after the rule's last assignee (the
    rule's row is locked so two runs never pick the same turn)."""
    rule = Rule.objects.select_for_update().get(pk=target.rule.pk)
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise FieldErrors.single("team_id", "the team is gone")
    members = list(team.members.filter(is_active=True).order_by("pk"))
    if not members:
        raise FieldErrors.single("team_id", "the team has no active members")
    after = [m for m in members if rule.last_assignee_id and m.pk > rule.last_assignee_id]
    chosen = (after or members)[0]
    Rule.objects.filter(pk=rule.pk).update(last_assignee=chosen)
    target.rule.last_assignee = chosen
    return chosen


def assign(target: Target, action: dict[str, Any]) -> str:
    person = fields.person_field(target.kind)
    if "team_id" in action:
        user = _round_robin(target, action["team_id"])
    else:
        user = _user(action["user_id"])
    targets.update(target.kind, target.owner, target.record, {f"{person}_id": user.pk})
    return f"{person} = {user.get_username()}"


def _activity(target: Target, data: dict[str, Any]) -> Any:
    links = targets.activity_links(target.kind, target.record)
    return activity_create(actor=target.owner, data={**data, **links})


def create_task(target: Target, action: dict[str, Any]) -> str:
    due = timezone.now() + datetime.timedelta(
        days=action.get("due_in_days", 0), hours=action.get("due_in_hours", 0)
    )
    data = {
        "kind": "task",
        "subject": _render(target, action["subject"])[:255],
        "due_at": due,
    }
    if action.get("body"):
        data["body"] = _render(target, action["body"])
    if "assignee_id" in action:
        data["assignee_id"] = action["assignee_id"]
    task = _activity(target, data)
    return f"task {task.pk}"


def add_note(target: Target, action: dict[str, Any]) -> str:
    note = _activity(target, {"kind": "note", "body": _render(target, action["body"])})
    return f"note {note.pk}"


def send_email(target: Target, action: dict[str, Any]) -> str:
    contact, organization = targets.customer_of(target.kind, target.record)
    recipient = target.placeholders().get("contact") or {}
    addresses = [e["address"] for e in recipient.get("emails", []) if not e.get("bouncing")]
    if contact is None or not addresses:
        raise FieldErrors.single("to", "the record has no contact with an email address")
    if "purpose" in action and (problem := basis_problem(contact, action["purpose"])):
        # § 7 UWG: no advertising email without a valid basis for the purpose.
        raise PermissionDenied(f"not sent: {problem}")
    language = action.get("language")
    links = {
        k: v
        for k, v in targets.activity_links(target.kind, target.record).items()
        if k not in ("contact_id", "organization_id")
    }
    email = email_send(
        actor=target.owner,
        to=addresses[:1],
        subject=_render(target, action["subject"], language).strip()[:255],
        text=_render(target, action["body"], language),
        contact=contact,
        organization=organization,
        links=links or None,
    )
    return f"email {email.pk} queued"


def notify_users(target: Target, action: dict[str, Any]) -> str:
    users = list(get_user_model().objects.filter(pk__in=action.get("user_ids", []), is_active=True))
    if action.get("to_owner"):
        for owner_id in target.kind.owner_ids(target.record):
            users += list(get_user_model().objects.filter(pk=owner_id, is_active=True))
    message = _render(target, action["message"])
    link = target.record.get_absolute_url() if hasattr(target.record, "get_absolute_url") else ""
    told = []
    for user in {u.pk: u for u in users}.values():
        # Nobody hears of a record they may not read.
        if can(user, Action.READ, target.record) and notify(
            recipient=user, message=message, link=link
        ):
            told.append(user.get_username())
    return f"notified {', '.join(sorted(told)) or 'nobody'}"


def webhook(target: Target, action: dict[str, Any]) -> str:
    subscription = subscription_get(user=target.owner, subscription_id=action["webhook_id"])
    if subscription is None:
        raise PermissionDenied("the webhook is gone or not the rule owner's")
    name = target.event_name
    if not name.startswith(f"{target.kind.key}."):
        name = f"{target.kind.key}.updated"
    delivery = delivery_for_record(
        actor=target.owner, subscription=subscription, event_name=name, record=target.record
    )
    return f"webhook delivery {delivery.pk}"


def _create(target: Target, key: str, action: dict[str, Any]) -> str:
    data = {
        name: _render(target, value) if isinstance(value, str) else value
        for name, value in (action.get("data") or {}).items()
    }
    for name, value in targets.customer_links(target.kind, target.record).items():
        data.setdefault(name, value)
    made = targets.create(key, target.owner, data)
    return f"{key} {made.pk}"


def create_deal(target: Target, action: dict[str, Any]) -> str:
    return _create(target, "deal", action)


def create_ticket(target: Target, action: dict[str, Any]) -> str:
    return _create(target, "ticket", action)


def move_stage(target: Target, action: dict[str, Any]) -> str:
    targets.update(target.kind, target.owner, target.record, {"stage_id": action["stage_id"]})
    return f"stage = {action['stage_id']}"


RUN = {
    "set_field": set_field,
    "assign": assign,
    "create_task": create_task,
    "add_note": add_note,
    "send_email": send_email,
    "notify": notify_users,
    "webhook": webhook,
    "create_deal": create_deal,
    "create_ticket": create_ticket,
    "move_stage": move_stage,
}
