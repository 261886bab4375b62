"""Records that an outside system (an ERP: SAP, Lexware, Odoo, …) maintains.

One table for every kind: ``(source, record_type, external_id) → record_id``,
not a column per model. ``fields`` are the fields the source delivers: for
this record they are maintained there and read-only in Kontor. ``digest`` is
a hash of the body last applied, so that the same body again writes nothing."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ExternalRecord(models.Model):
    id = models.BigAutoField(primary_key=True)
    source = models.CharField(_("source"), max_length=32)
    record_type = models.CharField(_("record type"), max_length=32)
    external_id = models.CharField(_("external id"), max_length=200)
    record_id = models.CharField(_("record"), max_length=64)
    fields = models.JSONField(_("maintained fields"), default=list)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["source", "record_type", "external_id"]
        verbose_name = _("external record")
        verbose_name_plural = _("external records")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "record_type", "external_id"], name="external_record_once"
            )
        ]
        indexes = [models.Index(fields=["record_type", "record_id"], name="external_record_of")]

    def __str__(self) -> str:
        return f"{self.source}:{self.record_type}:{self.external_id}"
