"""Works-council mode (Betriebsrat, § 87 (1) 6 BetrVG): Kontor is no tool to
monitor employees' behaviour or performance. With KONTOR_WORKS_COUNCIL_MODE

- reports and dashboards never rank or list individual employees' activity
  counts or performance: they call ``may_show_per_employee()`` and show
  figures per employee only when it is off;
- aggregates over employees are shown only for groups of at least
  KONTOR_WORKS_COUNCIL_MIN_GROUP people (``group_aggregate``);
- the audit trail is filtered by employee only by the data protection
  officer (kontor.audit.selectors.may_filter_by_actor);
- lists of one employee's work (tasks by assignee, deals by owner, the
  sales board and forecast of one person) are for that employee and the
  roles that view the audit trail by employee (``require_employee_view``);
  lists of a team's work only for teams of at least the minimum size
  (``require_group_view``);
- audit entries are deleted after KONTOR_AUDIT_RETENTION_DAYS by
  ``kontor purgeaudit`` (reads of sensitive data after
  KONTOR_AUDIT_SENSITIVE_READ_RETENTION_DAYS)."""

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from django.conf import settings
from django.utils.translation import gettext as _

from kontor.access.grants import User, access_for
from kontor.core.exceptions import PermissionDenied

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


def may_view_employee(user: User, employee_id: Any) -> bool:
    """May ``user`` see a list of one employee's work (their tasks, their
    deals)? Always when the mode is off; else only their own, or with the
    right to view the audit trail by employee (the data protection officer)."""
    if not is_on() or employee_id is None or str(employee_id) == str(getattr(user, "pk", "")):
        return True
    return access_for(user).audit_by_employee


def require_employee_view(user: User, employee_id: Any) -> None:
    if not may_view_employee(user, employee_id):
        raise PermissionDenied(
            _("In works-council mode only the employee themselves sees a list of their work.")
        )


def require_group_view(user: User, member_ids: Iterable[Any]) -> None:
    """A list of a group's work (a team's deals) only for a group of at least
    the minimum size, in works-council mode."""
    if is_on() and len(set(member_ids)) < min_group() and not access_for(user).audit_by_employee:
        raise PermissionDenied(
            _("In works-council mode figures are shown for groups of at least %(size)s people.")
            % {"size": min_group()}
        )
