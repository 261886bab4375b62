"""Writes of rules: create, change, delete (administrators), and the dry
run. Each write is checked whole (``spec.check``) and audited."""

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from kontor.access.grants import access_for
from kontor.audit.models import AuditAction
from kontor.audit.services import audit_record
from kontor.core.exceptions import FieldErrors, PermissionDenied
from kontor.core.records import is_registered
from kontor.workflow import clock, engine, spec
from kontor.workflow.models import Rule, Run

User = AbstractBaseUser | AnonymousUser

FIELDS = ("name", "active", "record_type", "trigger", "conditions", "actions")


def may_manage(user: User) -> bool:
    """Administrators (the right to manage access) manage workflow rules."""
    return bool(user.is_authenticated and user.is_active and access_for(user).manage_access)


def require_manager(user: User) -> None:
    if not may_manage(user):
        raise PermissionDenied(_("Only administrators manage workflow rules."))


def _snapshot(rule: Rule) -> dict[str, Any]:
    return {name: getattr(rule, name) for name in FIELDS}


def _clean(data: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise FieldErrors({name: ["is no field of a rule"] for name in unknown})
    values = dict(data)
    name = values.get("name")
    if "name" in values and (not isinstance(name, str) or not name.strip() or len(name) > 200):
        raise FieldErrors.single("name", "give a name of at most 200 characters")
    if "name" in values:
        values["name"] = name.strip()
    if "active" in values and not isinstance(values["active"], bool):
        raise FieldErrors.single("active", "must be true or false")
    if values.get("conditions") is None and "conditions" in values:
        values["conditions"] = {}
    return values


def rule_create(*, actor: User, data: Mapping[str, Any]) -> Rule:
    """A rule owned by ``actor``: its actions will run as them."""
    require_manager(actor)
    values = {"active": True, "conditions": {}, **_clean(data)}
    if "name" not in values:
        raise FieldErrors.single("name", "is required")
    spec.check(actor, values)
    with transaction.atomic():
        rule = Rule.objects.create(owner=actor, checked_until=clock.now(), **values)
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            record=rule,
            changes={name: [None, value] for name, value in _snapshot(rule).items()},
        )
    return rule


def rule_update(*, actor: User, rule: Rule, data: Mapping[str, Any]) -> Rule:
    """Change a rule; the whole rule is checked again (as its owner runs it)."""
    require_manager(actor)
    values = _clean(data)
    merged = {**_snapshot(rule), **values}
    spec.check(rule.owner, merged)
    before = _snapshot(rule)
    if all(before[name] == merged[name] for name in FIELDS):
        return rule
    with transaction.atomic():
        for name, value in values.items():
            setattr(rule, name, value)
        if (values.get("active") and not before["active"]) or "trigger" in values:
            # Time-based rules look from now on, not at what passed meanwhile.
            rule.checked_until = clock.now()
        rule.version = F("version") + 1
        rule.save()
        rule.refresh_from_db(fields=["version"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            record=rule,
            changes={
                name: [before[name], merged[name]]
                for name in FIELDS
                if before[name] != merged[name]
            },
        )
    return rule


def rule_delete(*, actor: User, rule: Rule) -> None:
    require_manager(actor)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.DELETE,
            record=rule,
            changes={name: [value, None] for name, value in _snapshot(rule).items()},
        )
        rule.delete()


def rule_try(*, actor: User, rule: Rule, record_type: Any, record_id: Any) -> Run:
    """A dry run of ``rule`` on a record the actor and the rule's owner may
    both read: what each action would do, with nothing changed."""
    require_manager(actor)
    if record_type != rule.record_type or not is_registered(str(record_type)):
        raise FieldErrors.single("record_type", f"this rule is about {rule.record_type} records")
    if engine.find(Rule(owner=actor, record_type=rule.record_type), record_id) is None:
        raise FieldErrors.single("record_id", "no such record")
    record = engine.find(rule, record_id)
    if record is None:
        raise FieldErrors.single("record_id", "the rule's owner may not see this record")
    return engine.run_rule(rule, record, trigger=rule.trigger.get("on", ""), dry_run=True)
