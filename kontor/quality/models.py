"""The stored quality score of each contact and organization, so that lists
filter and sort by it without computing it per row."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# The record types that are scored (their keys in the registry).
KINDS = ("contact", "organization")


class QualityScore(models.Model):
    """One record's score with its parts and reasons (kontor.quality.scoring),
    kept up to date by the worker (kontor.quality.consumers, the nightly
    ``quality.rescore`` schedule)."""

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(_("type"), max_length=32)
    record_id = models.UUIDField()
    score = models.PositiveSmallIntegerField(_("score"))
    completeness = models.PositiveSmallIntegerField(_("completeness"))
    validity = models.PositiveSmallIntegerField(_("validity"))
    freshness = models.PositiveSmallIntegerField(_("freshness"))
    duplicates = models.PositiveSmallIntegerField(_("duplicates"))
    reasons = models.JSONField(default=list)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        ordering = ["score", "id"]
        verbose_name = _("quality score")
        verbose_name_plural = _("quality scores")
        constraints = [
            models.UniqueConstraint(fields=["kind", "record_id"], name="quality_score_once")
        ]
        indexes = [
            # The clean-up queue (worst first) and the lists' "below" filter.
            models.Index(fields=["kind", "score", "id"], name="quality_score_worst"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.record_id}: {self.score}"
