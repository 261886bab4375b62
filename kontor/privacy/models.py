"""The register of requests of data subjects (GDPR Art. 12-22): who asked
for what, when it must be answered, and who answered it.

The person is found from the record registry (kontor.core.records); the
request names their contact. ``identifier`` keeps how they identified
themselves (an email address or phone number as given), so the register
shows how the person was matched."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kontor.core.models import BaseModel


class RequestType(models.TextChoices):
    ACCESS = "access", _("access (Art. 15)")
    PORTABILITY = "portability", _("data portability (Art. 20)")
    ERASURE = "erasure", _("erasure (Art. 17)")
    RESTRICTION = "restriction", _("restriction of processing (Art. 18)")
    OBJECTION = "objection", _("objection (Art. 21)")


# The types answered with the export of the person's data.
EXPORT_TYPES = frozenset({RequestType.ACCESS, RequestType.PORTABILITY})


class FoundBy(models.TextChoices):
    CONTACT_ID = "contact_id", _("contact")
    EMAIL = "email", _("email address")
    PHONE = "phone", _("phone number")


class RequestStatus(models.TextChoices):
    OPEN = "open", _("open")
    DONE = "done", _("done")
    REJECTED = "rejected", _("rejected")


class DataSubjectRequest(BaseModel):
    type = models.CharField(_("type"), max_length=16, choices=RequestType.choices)
    # Nullable: an erased person's requests stay in the register.
    contact = models.ForeignKey(
        "contacts.Contact",
        verbose_name=_("person"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    found_by = models.CharField(_("found by"), max_length=16, choices=FoundBy.choices)
    identifier = models.CharField(_("identified by"), max_length=320, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    received_on = models.DateField(_("received on"))
    # One month after receipt (Art. 12(3) GDPR), kontor.privacy.deadlines.
    deadline = models.DateField(_("deadline"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    done_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    notes = models.TextField(_("notes"), blank=True)
    # An executed erasure's report, kept as proof (kontor.privacy.erasure):
    # {"stores": [{"name", "items_removed"}], "kept": [{"what", "legal_ground", "until"}]}.
    erasure_report = models.JSONField(_("erasure report"), null=True, blank=True, editable=False)
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True, editable=False)
    # An objection's purposes (their keys; empty: every purpose).
    purposes = models.JSONField(_("purposes"), default=list, blank=True)
    # A restriction or objection carried out (kontor.privacy.restriction),
    # and a restriction lifted again.
    executed_at = models.DateTimeField(_("carried out at"), null=True, blank=True, editable=False)
    executed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("carried out by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    lifted_at = models.DateTimeField(
        _("restriction lifted at"), null=True, blank=True, editable=False
    )
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("restriction lifted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["deadline", "created_at", "id"]
        verbose_name = _("request of a data subject")
        verbose_name_plural = _("requests of data subjects")
        indexes = [
            models.Index(
                fields=["deadline", "created_at"],
                condition=Q(status="open"),
                name="dsr_open_by_deadline",
            ),
            models.Index(fields=["status", "deadline"], name="dsr_status_deadline"),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} · {self.received_on:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.status == RequestStatus.OPEN

    @property
    def has_export(self) -> bool:
        return self.type in EXPORT_TYPES

    @property
    def is_carried_out(self) -> bool:
        return self.executed_at is not None

    @property
    def restriction_in_force(self) -> bool:
        return (
            self.type == RequestType.RESTRICTION
            and self.executed_at is not None
            and self.lifted_at is None
        )


class SuppressionKind(models.TextChoices):
    EMAIL = "email", _("email address")
    PHONE = "phone", _("phone number")


class Suppression(models.Model):
    """An erased person's email address or phone number, kept only as a
    keyed hash (HMAC-SHA256 with a key derived from SECRET_KEY), so that an
    inbound email or an import does not make them a contact again
    (kontor.privacy.suppression)."""

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(_("kind"), max_length=8, choices=SuppressionKind.choices)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("suppressed address")
        verbose_name_plural = _("suppression list")
        constraints = [
            models.UniqueConstraint(fields=["kind", "digest"], name="suppression_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.digest[:12]}"


class RetentionRule(BaseModel):
    """How long records of a type (and category) are kept: ``months`` after
    the type's starting point (``RetentionSpec.counted_from``: the last
    interaction, the end of the document's year); then the daily run erases
    them (kontor.privacy.retention)."""

    record_type = models.CharField(_("record type"), max_length=64)
    # "" for every record of the type.
    category = models.CharField(_("category"), max_length=64, blank=True)
    months = models.PositiveIntegerField(_("months"))
    legal_ground = models.CharField(_("legal ground"), max_length=500, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["record_type", "category", "id"]
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")
        constraints = [
            models.UniqueConstraint(
                fields=["record_type", "category"], name="retention_rule_once_per_category"
            ),
            models.CheckConstraint(condition=Q(months__gte=1), name="retention_rule_months_min"),
        ]

    def __str__(self) -> str:
        scope = f"{self.record_type}/{self.category}" if self.category else self.record_type
        return f"{scope} · {self.months}"


class RetentionRun(BaseModel):
    """One daily run of the retention rules, kept as the report to the data
    protection officer: ``report`` is ``{"rules": [{"rule", "record_type",
    "category", "months", "cutoff", "erased", "ids", "failed"}], "kept":
    [{"request", "type", "id", "what", "until", "erased"}]}``."""

    ran_on = models.DateField(_("run on"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    erased = models.PositiveIntegerField(_("records erased"), default=0)
    report = models.JSONField(_("report"), default=dict)

    class Meta:
        ordering = ["-ran_on", "-created_at", "-id"]
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")

    def __str__(self) -> str:
        return f"{self.ran_on:%Y-%m-%d} · {self.erased}"
