"""The filters every dashboard takes (``since``, ``until``, ``pipeline_id``,
``team_id``, and ``by`` for the activities), read from the query string of
the API and of the pages alike; bad input is a ``FieldErrors``."""

import datetime
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from kontor.access.selectors import team_list
from kontor.core.exceptions import FieldErrors
from kontor.sales.selectors import pipeline_get

BY_TEAM = "team"
BY_USER = "user"
# The longest period a dashboard adds up (days): weeks or months beyond
# that make a chart nobody can read.
MAX_PERIOD_DAYS = 366 * 5
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Filters:
    since: datetime.date | None = None
    until: datetime.date | None = None
    pipeline_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None
    by: str = BY_TEAM

    def as_dict(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "pipeline_id": str(self.pipeline_id) if self.pipeline_id else None,
            "team_id": str(self.team_id) if self.team_id else None,
            "by": self.by,
        }

    def query(self) -> dict[str, str]:
        """The filters as a query string's parameters (for links)."""
        return {k: v for k, v in self.as_dict().items() if v and not (k == "by" and v == BY_TEAM)}


def _text(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name)
    return "" if value is None else str(value).strip()


def _date(data: Mapping[str, Any], name: str, errors: dict[str, list[str]]):
    text = _text(data, name)
    if not text:
        return None
    try:
        if _ISO_DATE.match(text):
            return datetime.date.fromisoformat(text)
    except ValueError:
        pass
    errors[name] = [_("Enter a date as YYYY-MM-DD, e.g. 2026-03-01.")]
    return None


def _uuid(data: Mapping[str, Any], name: str, errors: dict[str, list[str]]):
    text = _text(data, name)
    if not text:
        return None
    try:
        return uuid.UUID(text)
    except ValueError:
        errors[name] = [_("Enter a valid id.")]
        return None


def parse_filters(data: Mapping[str, Any]) -> Filters:
    errors: dict[str, list[str]] = {}
    since = _date(data, "since", errors)
    until = _date(data, "until", errors)
    pipeline_id = _uuid(data, "pipeline_id", errors)
    team_id = _uuid(data, "team_id", errors)
    by = _text(data, "by") or BY_TEAM
    if by not in (BY_TEAM, BY_USER):
        errors["by"] = [_("Choose team or user.")]
    if since and until:
        if until < since:
            errors["until"] = [_("The end of the period lies before its start.")]
        elif (until - since).days > MAX_PERIOD_DAYS:
            errors["until"] = [
                _("A period may span at most %(days)s days.") % {"days": MAX_PERIOD_DAYS}
            ]
    if pipeline_id and pipeline_get(pipeline_id) is None:
        errors["pipeline_id"] = [_("There is no such pipeline.")]
    if team_id and not team_list().filter(pk=team_id).exists():
        errors["team_id"] = [_("There is no such team.")]
    if errors:
        raise FieldErrors(errors)
    return Filters(since=since, until=until, pipeline_id=pipeline_id, team_id=team_id, by=by)
