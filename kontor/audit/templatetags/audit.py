"""``{% audit_history record %}``: the latest changes of a record on its page,
for users whose roles show the audit trail."""

from typing import Any

from django import template

from kontor.audit import selectors
from kontor.audit.services import object_type_key
from kontor.audit.views import entry_rows

register = template.Library()

LATEST = 10


@register.inclusion_tag("audit/_history.html", takes_context=True)
def audit_history(context: template.Context, record: Any) -> dict[str, Any]:
    request = context["request"]
    if not selectors.may_view_record_history(request.user):
        return {"shown": False}
    entries = list(selectors.record_history(user=request.user, record=record)[: LATEST + 1])
    return {
        "shown": True,
        "record": record,
        "object_type": object_type_key(record),
        "rows": entry_rows(request, entries[:LATEST]),
        "more": len(entries) > LATEST,
    }


@register.filter
def audit_value(value: Any) -> str:
    """A stored value as text: lists joined, nothing as —."""
    if value in (None, "", [], {}):
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "✓" if value else "✗"
    return str(value)


@register.filter
def may_search_audit(user: Any) -> bool:
    return selectors.may_search(user)
