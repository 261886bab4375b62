"""Works-council mode (Betriebsrat, § 87 (1) 6 BetrVG): Kontor is no tool to
monitor employees' behaviour or performance. With KONTOR_WORKS_COUNCIL_MODE

- reports and dashboards never rank or list individual employees' activity
  counts or performance: they call ``may_show_per_employee()`` and show
  figures per employee only when it is off;
- aggregates over employees are shown only for groups of at least
  KONTOR_WORKS_COUNCIL_MIN_GROUP people (``group_aggregate``);
- the audit trail is filtered by employee only by the data protection
  officer (kontor.audit.selectors.may_filter_by_actor);
- audit entries are deleted after KONTOR_AUDIT_RETENTION_DAYS by
  ``kontor purgeaudit`` (reads of sensitive data after
  KONTOR_AUDIT_SENSITIVE_READ_RETENTION_DAYS)."""

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from django.conf import settings

T = TypeVar("T")


def is_on() -> bool:
    return bool(settings.KONTOR_WORKS_COUNCIL_MODE)


def min_group() -> int:
    return max(1, int(settings.KONTOR_WORKS_COUNCIL_MIN_GROUP))


def may_show_per_employee() -> bool:
    """May a report list or rank figures of single employees?"""
    return not is_on()


def group_aggregate(
    values_by_employee: Mapping[Any, T], combine: Callable[[Iterable[T]], Any] = sum
) -> Any | None:
    """``combine`` of the employees' values, or None when works-council mode
    is on and the group is smaller than the minimum (a small group's total
    would reveal its members' figures)."""
    if is_on() and len(values_by_employee) < min_group():
        return None
    return combine(values_by_employee.values())
