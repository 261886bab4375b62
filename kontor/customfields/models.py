"""Extra fields an administrator defines for a record type. Any type that
registers with ``custom_fields=True`` (kontor.core.records) has them; its
records keep their values in a ``custom`` JSON column (and, for financial
and special fields, encrypted in ``custom_sensitive``; kontor.access.sensitive)."""

from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kontor.core.models import BaseModel
from kontor.core.records import Category, is_registered, record_type


class CustomFieldType(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", pgettext_lazy("type of a custom field", "Number")
    DATE = "date", _("Date")
    BOOLEAN = "boolean", _("Yes/no")
    CHOICE = "choice", _("Choice")


class CustomFieldDefinition(BaseModel):
    """One extra field of one record type."""

    # The key of a registered record type with custom fields (checked by the
    # admin form against the registry, so a new type needs no migration here).
    object_type = models.CharField(_("object type"), max_length=32)
    key = models.SlugField(
        _("key"), max_length=64, help_text=_("Name of the field in the API, e.g. customer_number.")
    )
    label = models.CharField(_("label"), max_length=128)
    field_type = models.CharField(_("type"), max_length=16, choices=CustomFieldType.choices)
    choices = models.JSONField(
        _("choices"),
        default=list,
        blank=True,
        help_text=_('Allowed values for a choice field, as a JSON list: ["A", "B"].'),
    )
    required = models.BooleanField(_("required"), default=False)
    help_text = models.CharField(_("help text"), max_length=255, blank=True)
    category = models.CharField(
        _("sensitivity"),
        max_length=16,
        choices=Category.choices,
        default=Category.STANDARD,
        help_text=_(
            "Roles grant reading and editing per category; financial and special "
            "values are stored encrypted."
        ),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["object_type", "position", "key"]
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")
        constraints = [
            models.UniqueConstraint(
                fields=["object_type", "key"], name="customfield_key_unique_per_type"
            )
        ]

    def __str__(self) -> str:
        kind = record_type(self.object_type).label if is_registered(self.object_type) else ""
        return f"{capfirst(kind or self.object_type)}: {self.label}"
