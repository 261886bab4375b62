"""Duplicate candidates, the keys that find them, and merges (kept for 30
days so that they can be undone)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kontor.core.models import BaseModel

# The record types duplicates are looked for in (their keys in the registry).
KINDS = ("contact", "organization")


class BlockingKey(models.Model):
    """One blocking key of one record (kontor.dedupe.keys)."""

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(max_length=32)
    record_id = models.UUIDField()
    key = models.CharField(max_length=200)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["kind", "key"], name="dedupe_key_lookup"),
            models.Index(fields=["kind", "record_id"], name="dedupe_key_record"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.key}"


class PairStatus(models.TextChoices):
    OPEN = "open", _("open")
    NOT_DUPLICATE = "not_duplicate", _("not a duplicate")
    MERGED = "merged", _("merged")


class DuplicatePair(BaseModel):
    """Two records of one type that look alike; ``a`` sorts before ``b``."""

    kind = models.CharField(_("type"), max_length=32)
    a = models.UUIDField()
    b = models.UUIDField()
    score = models.FloatField(_("score"))
    reasons = models.JSONField(default=list)
    status = models.CharField(
        _("status"), max_length=16, choices=PairStatus.choices, default=PairStatus.OPEN
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-score", "id"]
        verbose_name = _("duplicate candidate")
        verbose_name_plural = _("duplicate candidates")
        constraints = [models.UniqueConstraint(fields=["kind", "a", "b"], name="dedupe_pair_once")]
        indexes = [
            models.Index(fields=["kind", "status", "-score", "id"], name="dedupe_pair_review"),
            models.Index(fields=["kind", "b"], name="dedupe_pair_b"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.a} ~ {self.b} ({self.score})"


class Merge(BaseModel):
    """One merge: the survivor, the records merged into it, the survivor's
    values before, and every row it moved or removed, to undo it."""

    kind = models.CharField(_("type"), max_length=32)
    survivor_id = models.UUIDField()
    merged_ids = models.JSONField(default=list)
    # The survivor's field values before the merge (as the service takes them).
    before = models.JSONField(default=dict)
    # {link key: [[row pk, field, old value], …]}: rows re-pointed.
    moved = models.JSONField(default=dict)
    # {link key: serialized rows}: rows removed as repeats of the survivor's.
    removed = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)

    class Meta(BaseModel.Meta):
        verbose_name = _("merge")
        verbose_name_plural = _("merges")
        indexes = [models.Index(fields=["kind", "survivor_id"], name="dedupe_merge_survivor")]

    def __str__(self) -> str:
        return f"{self.kind} {self.merged_ids} → {self.survivor_id}"


class MergedRecord(models.Model):
    """A record merged into another: its id stays known."""

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(max_length=32)
    record_id = models.UUIDField()
    survivor_id = models.UUIDField()
    merge = models.ForeignKey(Merge, on_delete=models.CASCADE, related_name="records")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "record_id"], name="dedupe_merged_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.record_id} → {self.survivor_id}"
