"""The rollups the dashboards read instead of the live tables: a small
table of activity counts per day, author and the owners who decide who may
read them (kontor.analytics.rollup keeps it up to date), so that
"activities per week per team" reads a few thousand rows, not ten million,
for every user."""

from django.db import models


class ActivityDayCount(models.Model):
    """How many activities ``author_id`` has on ``day`` (in
    KONTOR_TIME_ZONE) about a contact owned by ``contact_owner_id`` and an
    organization owned by ``organization_owner_id``; ``about_contact``
    says whether they are about a contact or only an organization. These are the keys of the access
    rule for activities (kontor.activities.selectors.readable_by_owners), so
    that a rep's figure is the sum over the rows whose owners they may read.
    The ids are plain numbers, not foreign keys: a removed user's counts
    stay until the day is counted anew."""

    id = models.BigAutoField(primary_key=True)
    day = models.DateField()
    author_id = models.IntegerField(null=True, blank=True)
    contact_owner_id = models.IntegerField(null=True, blank=True)
    organization_owner_id = models.IntegerField(null=True, blank=True)
    about_contact = models.BooleanField()
    count = models.PositiveIntegerField()

    class Meta:
        ordering = [
            "day",
            "author_id",
            "contact_owner_id",
            "organization_owner_id",
            "about_contact",
        ]
        indexes = [
            models.Index(fields=["day", "author_id"], name="activity_day_count_day"),
            models.Index(fields=["contact_owner_id", "day"], name="activity_day_count_owner"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.author_id} {self.contact_owner_id}: {self.count}"


class RollupState(models.Model):
    """When a rollup was last brought up to date (``refreshed_at``: its
    recent days; ``rebuilt_at``: every day)."""

    name = models.CharField(max_length=64, primary_key=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    rebuilt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RollupDirtyDay(models.Model):
    """A day whose activities changed after the rollup counted it (noted
    from the outbox), to be counted anew by the next refresh."""

    day = models.DateField(primary_key=True)

    class Meta:
        ordering = ["day"]

    def __str__(self) -> str:
        return str(self.day)


class DealScore(models.Model):
    """The lead score of one open deal (kontor.analytics.scoring): how
    likely it is to be won, 0 to 1, and the three features that moved it
    most (``reasons``: ``[{"feature", "value", "effect"}]``, worded in the
    reader's language when shown). ``deal_id`` is a plain id, not a foreign
    key, so that sales knows nothing of scores; a score whose deal is gone
    or closed is removed at the next scoring."""

    deal_id = models.UUIDField(primary_key=True)
    score = models.FloatField()
    reasons = models.JSONField(default=list)
    model_version = models.CharField(max_length=64)
    scored_at = models.DateTimeField()

    class Meta:
        ordering = ["-score", "deal_id"]

    def __str__(self) -> str:
        return f"{self.deal_id}: {self.score:.2f}"
