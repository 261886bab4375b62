"""A rule in words, for the pages: "When: … · If: … · Then: …"."""

from typing import Any

from django.utils.translation import gettext as _

from kontor.workflow.models import Rule


def _trigger(trigger: dict[str, Any]) -> str:
    on = trigger.get("on", "")
    texts = {
        "created": _("a record is created"),
        "updated": _("a record is changed"),
        "stage_changed": _("the stage changes"),
        "sla_warning": _("an SLA is close to its due time"),
        "sla_breach": _("an SLA is breached"),
        "email_received": _("an email is received"),
    }
    if on in texts:
        return texts[on]
    if on == "field_changed":
        if trigger.get("to") is not None:
            return _("%(field)s changes to %(value)s") % {
                "field": trigger.get("field"),
                "value": trigger.get("to"),
            }
        return _("%(field)s changes") % {"field": trigger.get("field")}
    if on == "date_offset":
        amount = (
            _("%(n)s days") % {"n": trigger["days"]}
            if trigger.get("days") is not None
            else _("%(n)s hours") % {"n": trigger.get("hours")}
        )
        if trigger.get("direction") == "before":
            return _("%(amount)s before %(field)s") % {
                "amount": amount,
                "field": trigger.get("field"),
            }
        return _("%(amount)s after %(field)s") % {"amount": amount, "field": trigger.get("field")}
    if on == "inactive":
        return _("%(n)s days without an activity") % {"n": trigger.get("days")}
    return str(on)


def _conditions(group: Any) -> str:
    if not group:
        return _("always")
    ((mode, items),) = group.items()
    parts = []
    for item in items:
        if set(item) & {"all", "any"}:
            parts.append(f"({_conditions(item)})")
        elif item.get("op") == "empty":
            parts.append(f"{item['field']} {'empty' if item.get('value', True) else 'not empty'}")
        else:
            parts.append(f"{item['field']} {item['op']} {item.get('value')!r}")
    joiner = f" {_('and')} " if mode == "all" else f" {_('or')} "
    return joiner.join(parts)


def summarize(rule: Rule) -> dict[str, str]:
    return {
        "when": _trigger(rule.trigger),
        "if": _conditions(rule.conditions),
        "then": ", ".join(a.get("type", "") for a in rule.actions),
    }
