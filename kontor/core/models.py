"""Shared model bases, related rows loaded as plain lists, and the counts
of rate limits."""

from typing import Any

from django.db import models
from django.db.models import Prefetch, QuerySet
from uuid6 import uuid7

# Where a query puts the related rows it loaded with each record (``listed``).
LISTED_PREFIX = "_listed_"


def prefetch_list(relation: str, queryset: QuerySet | None = None) -> Prefetch:
    """Load ``relation`` of every record into a plain list (read by
    ``listed``). Django's own prefetch makes a query set per record and
    relation: 6 to 15 ms of CPU for a page of 50 contacts with their
    addresses, numbers and tags (docs/performance.md)."""
    return Prefetch(relation, queryset=queryset, to_attr=f"{LISTED_PREFIX}{relation}")


def listed(record: models.Model, relation: str) -> list[Any]:
    """The rows of ``relation`` that a query loaded with ``record``
    (``prefetch_list``), else read now."""
    loaded = getattr(record, f"{LISTED_PREFIX}{relation}", None)
    return loaded if loaded is not None else list(getattr(record, relation).all())


class BaseModel(models.Model):
    """Public time-ordered UUID primary key plus creation and change times."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]


class WindowCount(models.Model):
    """How often ``key`` was counted in its current window, which ends at
    ``window_end`` (seconds since 1970): the API's rate limits
    (kontor.core.counters). On PostgreSQL the table is unlogged: what it
    holds lives a window long and may be lost with the machine."""

    key = models.CharField(max_length=250, primary_key=True)
    window_end = models.BigIntegerField()
    count = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.key}: {self.count} until {self.window_end}"
