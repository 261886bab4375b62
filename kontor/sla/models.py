"""Service levels: business-hours calendars and SLA policies. This app
knows no domain; tickets (kontor/service) point to a policy and ask the
clock (kontor/sla/clock.py) for their due times."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kontor.core.models import BaseModel

PRIORITIES = ("low", "normal", "high", "urgent")
TARGET_KINDS = ("first_response_minutes", "resolution_minutes")


class BusinessCalendar(BaseModel):
    """Weekly business hours in a time zone, the public holidays of a
    country (and subdivision) and the company's own closed days.

    ``hours``: ``{"mon": [["08:00", "17:00"]], …}`` (kontor.sla.validation
    checks it); ``closed_days``: ISO dates."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Berlin")
    country = models.CharField(
        _("country"), max_length=3, blank=True, help_text=_("Public holidays of this country.")
    )
    subdivision = models.CharField(
        _("subdivision"),
        max_length=32,
        blank=True,
        help_text=_("State or region whose public holidays apply too, e.g. BY."),
    )
    hours = models.JSONField(_("business hours"), default=dict)
    closed_days = models.JSONField(_("closed days"), default=list, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name"]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self) -> str:
        return self.name


class SlaPolicy(BaseModel):
    """First-response and resolution targets per priority, counted in the
    calendar's business hours. A policy with an ``organization_tag`` is for
    the customers with that tag; the one marked default for everyone else."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    calendar = models.ForeignKey(
        BusinessCalendar,
        verbose_name=_("calendar"),
        on_delete=models.PROTECT,
        related_name="policies",
    )
    targets = models.JSONField(_("targets"), default=dict)
    organization_tag = models.CharField(
        _("organization tag"),
        max_length=64,
        blank=True,
        null=True,
        unique=True,
        help_text=_("For the customers with this tag (a customer tier)."),
    )
    is_default = models.BooleanField(
        _("default"), default=False, help_text=_("For tickets no other policy fits.")
    )
    warning_share = models.DecimalField(
        _("warning at share of the time"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.80"),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("0.99"))],
        help_text=_("The assignee is warned when this share of a target has passed."),
    )
    reassign_on_breach = models.BooleanField(
        _("reassign on breach"),
        default=False,
        help_text=_("A breached ticket goes to the lead of its team."),
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=Q(is_default=True),
                name="sla_policy_one_default",
            ),
            models.CheckConstraint(
                condition=Q(warning_share__gt=0, warning_share__lt=1),
                name="sla_policy_warning_share_between_0_and_1",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def target(self, priority: str, kind: str) -> int | None:
        """Minutes of a target (``first_response_minutes`` or
        ``resolution_minutes``) for a priority; None without one."""
        value = (self.targets or {}).get(priority, {}).get(kind)
        return int(value) if value is not None else None
