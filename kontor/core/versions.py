"""Record versions (optimistic locking): a write names the version it read,
and a record changed meanwhile answers 409 instead of being overwritten.
Every model with a ``version`` (and ``updated_at``) column uses these."""

from typing import Any

from django.db.models import F, Model
from django.utils import timezone

from kontor.core.exceptions import VersionConflict


def claim_version(record: Model, expected_version: int | None) -> None:
    """Bump the version, but only if it is still ``expected_version`` (any,
    when None): the conditional UPDATE makes concurrent writers with the
    same version lose. Raises VersionConflict with the current version."""
    rows = type(record).objects.filter(pk=record.pk)
    if expected_version is not None:
        rows = rows.filter(version=expected_version)
    if not rows.update(version=F("version") + 1, updated_at=timezone.now()):
        current = type(record).objects.filter(pk=record.pk).values_list("version", flat=True)
        raise VersionConflict(current.first() or 0)
    record.refresh_from_db(fields=["version", "updated_at"])


def check_version(record: Any, expected_version: int | None) -> None:
    """For a write that changes nothing: the version the caller read must
    still be the record's, but it is not bumped."""
    if expected_version is not None and expected_version != record.version:
        raise VersionConflict(record.version)
