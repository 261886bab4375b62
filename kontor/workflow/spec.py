"""Checking a rule's JSON when it is saved: every problem is collected and
answered at once (422 naming the field), so a rule that is stored can run."""

import uuid
from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from kontor.access import works_council
from kontor.access.models import Team
from kontor.access.policy import fields_for
from kontor.consent.selectors import purpose_by_key
from kontor.core.exceptions import FieldErrors
from kontor.core.records import RecordType, is_registered, record_type, record_types
from kontor.events.catalogue import event_types
from kontor.workflow import conditions, fields, targets, templates_text

TRIGGERS = (
    "created",
    "updated",
    "field_changed",
    "stage_changed",
    "sla_warning",
    "sla_breach",
    "email_received",
    "date_offset",
    "inactive",
)
# Triggers that are an event of the record type (``<key>.<trigger>``).
EVENT_TRIGGERS = {
    "created": "created",
    "updated": "updated",
    "field_changed": "updated",
    "stage_changed": "stage_changed",
    "sla_warning": "sla_warning",
    "sla_breach": "sla_breach",
}
TIME_TRIGGERS = ("date_offset", "inactive")
ACTIONS = (
    "set_field",
    "assign",
    "create_task",
    "add_note",
    "send_email",
    "notify",
    "webhook",
    "create_ticket",
    "create_deal",
    "move_stage",
)
MAX_ACTIONS = 20
MAX_OFFSET_DAYS = 3650
LANGUAGES = ("de", "en")


def rule_types() -> list[str]:
    """The record types a rule may watch: those a rule can find and read."""
    return sorted(kind.key for kind in record_types() if kind.visible)


def check(owner: Any, data: Mapping[str, Any]) -> None:
    """Raise FieldErrors for everything wrong with a rule's record type,
    trigger, conditions and actions (as ``owner`` would run it)."""
    errors: dict[str, list[str]] = {}
    key = data.get("record_type")
    if not isinstance(key, str) or not is_registered(key) or key not in rule_types():
        errors["record_type"] = [f"must be one of: {', '.join(rule_types())}"]
        raise FieldErrors(errors)
    kind = record_type(key)
    _check_trigger(kind, data.get("trigger"), errors)
    conditions.validate(kind, data.get("conditions") or {}, errors)
    if not errors:
        _check_readable(owner, kind, data, errors)
    _check_actions(owner, kind, data.get("actions"), errors)
    if not errors and works_council.is_on():
        _check_works_council(kind, data, errors)
    if errors:
        raise FieldErrors(errors)


def _positive(value: Any, limit: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= limit


def _check_trigger(kind: RecordType, trigger: Any, errors: dict[str, list[str]]) -> None:
    if not isinstance(trigger, dict) or trigger.get("on") not in TRIGGERS:
        errors["trigger.on"] = [f"must be one of: {', '.join(TRIGGERS)}"]
        return
    on = trigger["on"]
    allowed = {"on"}
    if on in EVENT_TRIGGERS and f"{kind.key}.{EVENT_TRIGGERS[on]}" not in event_types():
        errors["trigger.on"] = [f"{kind.key} records have no {on} event"]
    if on == "field_changed":
        allowed |= {"field", "to"}
        if not fields.known(kind, trigger.get("field")):
            errors["trigger.field"] = [f"{trigger.get('field')!r} is no field of {kind.key}"]
    elif on == "stage_changed":
        allowed |= {"stage_id"}
        if "stage_id" in trigger and not _stage_exists(kind, trigger["stage_id"]):
            errors["trigger.stage_id"] = [f"is no stage of {kind.key} records"]
    elif on == "email_received":
        if "email.received" not in event_types() or not targets.may_link_activities(kind):
            errors["trigger.on"] = [f"emails are not filed on {kind.key} records"]
    elif on == "date_offset":
        allowed |= {"field", "days", "hours", "direction"}
        if fields.date_field(kind, trigger.get("field")) is None:
            errors["trigger.field"] = [f"{trigger.get('field')!r} is no date field of {kind.key}"]
        _check_amount(trigger, errors)
        if trigger.get("direction", "after") not in ("before", "after"):
            errors["trigger.direction"] = ["must be before or after"]
    elif on == "inactive":
        allowed |= {"days"}
        if not _positive(trigger.get("days"), MAX_OFFSET_DAYS):
            errors["trigger.days"] = [f"must be a whole number from 1 to {MAX_OFFSET_DAYS}"]
        if not targets.may_link_activities(kind) or kind.key == "activity":
            errors["trigger.on"] = [f"activities are not filed on {kind.key} records"]
    for extra in sorted(set(trigger) - allowed):
        errors[f"trigger.{extra}"] = [f"is no parameter of {on}"]


def _check_amount(trigger: Mapping[str, Any], errors: dict[str, list[str]]) -> None:
    days, hours = trigger.get("days"), trigger.get("hours")
    if (days is None) == (hours is None):
        errors["trigger.days"] = ["give either days or hours"]
    elif days is not None and not (_is_count(days) and days <= MAX_OFFSET_DAYS):
        errors["trigger.days"] = [f"must be a whole number from 0 to {MAX_OFFSET_DAYS}"]
    elif hours is not None and not (_is_count(hours) and hours <= MAX_OFFSET_DAYS * 24):
        errors["trigger.hours"] = [f"must be a whole number from 0 to {MAX_OFFSET_DAYS * 24}"]


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _check_readable(owner: Any, kind: RecordType, data: Mapping[str, Any], errors) -> None:
    """A rule tests only fields its owner may read."""
    readable = fields_for(owner, kind.key)
    tested = conditions.tested_fields(data.get("conditions") or {})
    trigger = data.get("trigger") or {}
    if trigger.get("field"):
        tested.append((trigger["field"], "eq"))
    for name, _op in tested:
        spec_key = name.removesuffix("_id") if not name.startswith("custom.") else name
        if not readable.may_read(spec_key):
            errors.setdefault("conditions", []).append(
                f"the rule's owner may not read the field {name!r}"
            )


def _text(value: Any) -> bool:
    """Plain text, or ``{"de": …, "en": …}`` (a template per language),
    each a template without syntax errors."""
    if isinstance(value, str):
        texts = [value]
    elif isinstance(value, dict) and value and set(value) <= set(LANGUAGES):
        texts = list(value.values())
    else:
        return False
    return all(isinstance(t, str) and t.strip() and templates_text.check(t) is None for t in texts)


def _user_exists(value: Any) -> bool:
    try:
        return get_user_model().objects.filter(pk=int(value), is_active=True).exists()
    except (TypeError, ValueError):
        return False


def _team_exists(value: Any) -> bool:
    try:
        return Team.objects.filter(pk=uuid.UUID(str(value))).exists()
    except ValueError:
        return False


def _stage_exists(kind: RecordType, value: Any) -> bool:
    field = fields.model_field(kind, "stage")
    if field is None or not field.is_relation or not isinstance(value, str):
        return False
    try:
        return field.related_model.objects.filter(pk=uuid.UUID(value)).exists()
    except ValueError:
        return False


def _check_actions(owner: Any, kind: RecordType, actions: Any, errors: dict[str, list[str]]):
    if not isinstance(actions, list) or not actions:
        errors["actions"] = ["give at least one action"]
        return
    if len(actions) > MAX_ACTIONS:
        errors["actions"] = [f"at most {MAX_ACTIONS} actions"]
        return
    for index, action in enumerate(actions):
        where = f"actions[{index}]"
        if not isinstance(action, dict) or action.get("type") not in ACTIONS:
            errors[f"{where}.type"] = [f"must be one of: {', '.join(ACTIONS)}"]
            continue
        problems = _action_problems(owner, kind, action)
        for field, reasons in problems.items():
            errors.setdefault(f"{where}.{field}" if field else where, []).extend(reasons)


PARAMETERS = {
    "set_field": {"field", "value"},
    "assign": {"user_id", "team_id"},
    "create_task": {"subject", "body", "due_in_days", "due_in_hours", "assignee_id"},
    "add_note": {"body"},
    "send_email": {"subject", "body", "language", "purpose"},
    "notify": {"user_ids", "message", "to_owner"},
    "webhook": {"webhook_id"},
    "create_deal": {"data"},
    "create_ticket": {"data"},
    "move_stage": {"stage_id"},
}


def _action_problems(owner: Any, kind: RecordType, action: dict[str, Any]) -> dict[str, list]:
    kind_of = action["type"]
    problems: dict[str, list[str]] = {}
    for extra in sorted(set(action) - PARAMETERS[kind_of] - {"type"}):
        problems[extra] = [f"is no parameter of {kind_of}"]
    if kind_of == "set_field":
        if not fields.known(kind, action.get("field")):
            problems["field"] = [f"{action.get('field')!r} is no field of {kind.key}"]
        elif "value" not in action:
            problems["value"] = ["is required"]
        if targets.service(kind.key, "update") is None:
            problems["type"] = [f"{kind.key} records cannot be changed by rules"]
    elif kind_of == "assign":
        if fields.person_field(kind) is None or targets.service(kind.key, "update") is None:
            problems["type"] = [f"{kind.key} records cannot be assigned by rules"]
        if ("user_id" in action) == ("team_id" in action):
            problems["user_id"] = ["give a user_id, or a team_id for round-robin"]
        elif "user_id" in action and not _user_exists(action["user_id"]):
            problems["user_id"] = ["is no active user"]
        elif "team_id" in action and not _team_exists(action["team_id"]):
            problems["team_id"] = ["is no team"]
    elif kind_of in ("create_task", "add_note"):
        if not targets.may_link_activities(kind):
            problems["type"] = [f"activities cannot be filed on {kind.key} records"]
        text_field = "subject" if kind_of == "create_task" else "body"
        if not isinstance(action.get(text_field), str) or not action[text_field].strip():
            problems[text_field] = ["is required"]
        for amount in ("due_in_days", "due_in_hours"):
            if amount in action and not _is_count(action[amount]):
                problems[amount] = ["must be a whole number of 0 or more"]
        if "assignee_id" in action and not _user_exists(action["assignee_id"]):
            problems["assignee_id"] = ["is no active user"]
    elif kind_of == "send_email":
        if not targets.may_link_activities(kind):
            problems["type"] = [f"{kind.key} records have no customer to write to"]
        for part in ("subject", "body"):
            if not _text(action.get(part)):
                problems[part] = ['give the text, or {"de": "…", "en": "…"}']
        if action.get("language", "de") not in LANGUAGES:
            problems["language"] = [f"must be one of: {', '.join(LANGUAGES)}"]
        if "purpose" in action and purpose_by_key(action["purpose"]) is None:
            problems["purpose"] = ["is no purpose of processing"]
    elif kind_of == "notify":
        ids = action.get("user_ids", [])
        if not isinstance(ids, list) or not all(_user_exists(i) for i in ids):
            problems["user_ids"] = ["must be a list of active users' ids"]
        if not ids and not action.get("to_owner"):
            problems["user_ids"] = ["name someone to notify (user_ids or to_owner)"]
        if not _text(action.get("message")):
            problems["message"] = ["is required"]
    elif kind_of == "webhook":
        from kontor.integration.webhooks.selectors import subscription_get

        if subscription_get(user=owner, subscription_id=action.get("webhook_id")) is None:
            problems["webhook_id"] = ["is no webhook of the rule's owner"]
    elif kind_of in ("create_deal", "create_ticket"):
        target = "deal" if kind_of == "create_deal" else "ticket"
        if targets.service(target, "create") is None:
            problems["type"] = [f"{target} records cannot be made here (not installed)"]
        if not isinstance(action.get("data", {}), dict):
            problems["data"] = ["must be an object of the new record's fields"]
    elif kind_of == "move_stage":
        if f"{kind.key}.stage_changed" not in event_types():
            problems["type"] = [f"{kind.key} records have no stages"]
        if not _stage_exists(kind, action.get("stage_id")):
            problems["stage_id"] = [f"is no stage of {kind.key} records"]
    return problems


def _check_works_council(kind: RecordType, data: Mapping[str, Any], errors) -> None:
    """Works-council mode: a rule reacts to records, never watches what a
    colleague does. Conditions may ask whether a record has an owner or
    assignee (empty), not which one; the records of colleagues' own work
    (activities) are not watched for inactivity or by who did them."""
    watched = [
        name
        for name, op in conditions.tested_fields(data.get("conditions") or {})
        if op != "empty" and fields.names_user(kind, name)
    ]
    trigger = data.get("trigger") or {}
    if (
        trigger.get("on") == "field_changed"
        and fields.names_user(kind, trigger.get("field", ""))
        and trigger.get("to") not in (None, "")
    ):
        watched.append(trigger["field"])
    if watched:
        errors.setdefault("conditions", []).append(
            _(
                "Works-council mode: rules may not watch colleagues' work or performance "
                "(conditions on %(fields)s)."
            )
            % {"fields": ", ".join(sorted(set(watched)))}
        )
