from django.db import models
from django.utils.translation import gettext_lazy as _


class Watermark(models.Model):
    """How far the export of one table into one folder has come: the next
    incremental export there writes the rows changed since
    ``exported_until`` (the start of the run that wrote ``run_id``)."""

    directory = models.CharField(_("folder"), max_length=1000)
    table = models.CharField(_("table"), max_length=64)
    exported_until = models.DateTimeField(_("exported until"))
    run_id = models.CharField(_("run"), max_length=64)
    rows = models.PositiveBigIntegerField(_("rows in the run"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["directory", "table"]
        constraints = [
            models.UniqueConstraint(fields=["directory", "table"], name="watermark_per_table")
        ]
        verbose_name = _("warehouse watermark")
        verbose_name_plural = _("warehouse watermarks")

    def __str__(self) -> str:
        return f"{self.table} @ {self.exported_until.isoformat()}"
