"""Reads of rules and runs (administrators only; the API and pages check)."""

import uuid
from typing import Any

from django.db.models import QuerySet

from kontor.workflow.models import Rule, Run


def rule_list() -> QuerySet[Rule]:
    return Rule.objects.select_related("owner").order_by("name", "id")


def rule_get(rule_id: Any) -> Rule | None:
    try:
        pk = uuid.UUID(str(rule_id))
    except ValueError:
        return None
    return Rule.objects.select_related("owner").filter(pk=pk).first()


def runs_of(rule: Rule) -> QuerySet[Run]:
    return Run.objects.filter(rule=rule)
