"""Writes of the retention rules: create, change and delete one. Each
takes the acting user, checks that their roles handle data protection
(the data protection officer, administrators), validates against the
record registry and writes the audit entry."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kontor.audit.models import AuditAction
from kontor.audit.services import audit_record
from kontor.core.exceptions import FieldErrors
from kontor.core.records import is_registered, record_type
from kontor.privacy.models import RetentionRule
from kontor.privacy.retention import retention_types
from kontor.privacy.services import require_request_handler

MAX_MONTHS = 1200
FIELDS = ("record_type", "category", "months", "legal_ground", "enabled")


def _clean(data: dict[str, Any], rule: RetentionRule | None) -> dict[str, Any]:
    values = {field: getattr(rule, field) for field in FIELDS} if rule else {}
    values |= {field: value for field, value in data.items() if field in FIELDS}
    errors: dict[str, list[str]] = {}
    key = str(values.get("record_type") or "")
    kind = record_type(key) if is_registered(key) else None
    if kind is None or kind.retention is None:
        errors["record_type"] = [
            _("No retention rules for this record type; one of: %(types)s.")
            % {"types": ", ".join(kind.key for kind in retention_types())}
        ]
    category = str(values.get("category") or "")
    if kind is not None and kind.retention is not None and category:
        allowed = [value for value, _label in kind.retention.categories]
        if category not in allowed:
            errors["category"] = [
                _("Not a category of %(type)s; one of: %(categories)s, or empty for all.")
                % {"type": kind.key, "categories": ", ".join(allowed)}
                if allowed
                else _("%(type)s has no categories; leave it empty.") % {"type": kind.key}
            ]
    months = values.get("months")
    if not isinstance(months, int) or isinstance(months, bool) or not 1 <= months <= MAX_MONTHS:
        errors["months"] = [_("A whole number of months from 1 to 1200.")]
    legal_ground = str(values.get("legal_ground") or "").strip()
    if len(legal_ground) > 500:
        errors["legal_ground"] = [_("At most 500 characters.")]
    if not errors:
        clash = RetentionRule.objects.filter(record_type=key, category=category)
        if rule is not None:
            clash = clash.exclude(pk=rule.pk)
        if clash.exists():
            errors["category"] = [_("There is a rule for this record type and category already.")]
    if errors:
        raise FieldErrors(errors)
    return {
        "record_type": key,
        "category": category,
        "months": months,
        "legal_ground": legal_ground,
        "enabled": bool(values.get("enabled", True)),
    }


@transaction.atomic
def retention_rule_create(*, actor: Any, data: dict[str, Any]) -> RetentionRule:
    require_request_handler(actor)
    values = _clean(data, None)
    rule = RetentionRule.objects.create(created_by=actor, **values)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        record=rule,
        changes={field: (None, value) for field, value in values.items()},
    )
    return rule


@transaction.atomic
def retention_rule_update(
    *, actor: Any, rule: RetentionRule, data: dict[str, Any]
) -> RetentionRule:
    require_request_handler(actor)
    rule = RetentionRule.objects.select_for_update().get(pk=rule.pk)
    values = _clean(data, rule)
    changes = {
        field: (getattr(rule, field), value)
        for field, value in values.items()
        if getattr(rule, field) != value
    }
    if changes:
        for field, value in values.items():
            setattr(rule, field, value)
        rule.save(update_fields=[*values, "updated_at"])
        audit_record(actor=actor, action=AuditAction.UPDATE, record=rule, changes=changes)
    return rule


@transaction.atomic
def retention_rule_delete(*, actor: Any, rule: RetentionRule) -> None:
    require_request_handler(actor)
    audit_record(
        actor=actor,
        action=AuditAction.DELETE,
        record=rule,
        changes={field: (getattr(rule, field), None) for field in FIELDS},
    )
    rule.delete()
