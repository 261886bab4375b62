"""Purposes of processing and, per person and purpose, the legal basis it
rests on (GDPR Art. 6) with its evidence.

The consent records are append-only: a grant, a withdrawal or an objection
(Art. 21) is a new row; the person's current state for a purpose is the
latest row. A double opt-in (``OptIn``) is asked by email and counts only
once the person confirmed it through the signed link; the confirmation then
becomes a consent record with its proof."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kontor.core.models import BaseModel


class LegalBasis(models.TextChoices):
    CONSENT = "consent", _("consent (Art. 6(1)(a))")
    CONTRACT = "contract", _("contract (Art. 6(1)(b))")
    LEGAL_OBLIGATION = "legal_obligation", _("legal obligation (Art. 6(1)(c))")
    VITAL_INTEREST = "vital_interest", _("vital interest (Art. 6(1)(d))")
    PUBLIC_TASK = "public_task", _("public task (Art. 6(1)(e))")
    LEGITIMATE_INTEREST = "legitimate_interest", _("legitimate interest (Art. 6(1)(f))")


class ConsentStatus(models.TextChoices):
    GRANTED = "granted", _("granted")
    WITHDRAWN = "withdrawn", _("withdrawn")
    OBJECTED = "objected", _("objected (Art. 21)")


class Purpose(BaseModel):
    key = models.SlugField(_("key"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    # True: only the person's consent is a basis (email advertising, § 7 UWG).
    requires_consent = models.BooleanField(_("requires consent"), default=True)

    class Meta:
        ordering = ["name", "key"]
        verbose_name = _("purpose")
        verbose_name_plural = _("purposes")

    def __str__(self) -> str:
        return self.name


class ConsentRecord(BaseModel):
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="+", verbose_name=_("person")
    )
    purpose = models.ForeignKey(
        Purpose, on_delete=models.PROTECT, related_name="records", verbose_name=_("purpose")
    )
    legal_basis = models.CharField(_("legal basis"), max_length=32, choices=LegalBasis.choices)
    status = models.CharField(_("status"), max_length=16, choices=ConsentStatus.choices)
    since = models.DateTimeField(_("since"))
    source = models.CharField(_("source"), max_length=200, blank=True)
    # Evidence: the text the person agreed to, when, and from where.
    text_version = models.CharField(_("text version"), max_length=200, blank=True)
    evidence_at = models.DateTimeField(_("evidence time"), null=True, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=100, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["contact", "purpose", "-created_at"])]
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")


class OptIn(BaseModel):
    """An email asking the person to confirm their consent to a purpose."""

    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="+", verbose_name=_("person")
    )
    purpose = models.ForeignKey(Purpose, on_delete=models.PROTECT, related_name="+")
    address = models.CharField(_("email address"), max_length=320)
    text_version = models.CharField(_("text version"), max_length=200, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    record = models.ForeignKey(
        ConsentRecord, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
