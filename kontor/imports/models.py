"""Imports of contacts and organizations from CSV, XLSX and vCard files.

An ``Import`` keeps the uploaded file, the column mapping and how far it
got: rows are taken in batches, and each batch commits together with its
``ImportBatch`` record, ``rows_done`` and the counts, so an import killed
halfway goes on with the rows no committed batch covers and writes no row
twice. A rejected row is kept as
``ImportRejectedRow`` (its original cells and the reason) for the error
report."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kontor.core.models import BaseModel


class ImportType(models.TextChoices):
    CONTACTS = "contacts", _("Contacts")
    ORGANIZATIONS = "organizations", _("Organizations")


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class UpdateBy(models.TextChoices):
    NOTHING = "", _("create only")
    EMAIL = "email", _("update by email address")
    EXTERNAL_ID = "external_id", _("update by external id")
    PHONE = "phone", _("update by phone number")


class FileFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"
    VCARD = "vcf", "vCard"


class Import(BaseModel):
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    record_type = models.CharField(_("type"), max_length=16, choices=ImportType.choices)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    filename = models.CharField(_("file name"), max_length=255)
    file_format = models.CharField(_("format"), max_length=8, choices=FileFormat.choices)
    # How the file was read (detected once, when it was uploaded).
    encoding = models.CharField(max_length=32, blank=True)
    delimiter = models.CharField(max_length=1, blank=True)
    headers = models.JSONField(default=list)
    # {column header: target}; see kontor.imports.mapping.
    mapping = models.JSONField(_("mapping"), default=dict)
    update_by = models.CharField(
        _("update mode"), max_length=16, choices=UpdateBy.choices, blank=True
    )
    dry_run = models.BooleanField(_("dry run"), default=False)
    status = models.CharField(
        _("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    error = models.CharField(_("error"), max_length=500, blank=True)
    rows_total = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    # Handed to the worker (before that, the mapping may still change).
    queued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta(BaseModel.Meta):
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        indexes = [models.Index(fields=["created_by", "created_at"], name="import_by_user")]

    def __str__(self) -> str:
        return self.filename


class ImportRejectedRow(models.Model):
    id = models.BigAutoField(primary_key=True)
    data_import = models.ForeignKey(Import, on_delete=models.CASCADE, related_name="rejected_rows")
    # The row's place in the file (1 = the first row after the header).
    row_number = models.PositiveIntegerField()
    values = models.JSONField(default=list)
    reason = models.TextField()

    class Meta:
        ordering = ["data_import", "row_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["data_import", "row_number"], name="import_rejected_row_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.row_number}: {self.reason}"


class ImportBatch(models.Model):
    """A batch of an import's rows that is written: recorded in the batch's
    own transaction, so a batch is either written and recorded or neither.
    Run again after a kill, an import runs the rows no batch covers; a
    batch run twice at once (a lost process and its replacement) commits
    once (the second is refused by the constraint and rolled back)."""

    id = models.BigAutoField(primary_key=True)
    data_import = models.ForeignKey(Import, on_delete=models.CASCADE, related_name="batches")
    # The batch's rows: first_row to last_row, in the numbering of ImportRejectedRow.
    first_row = models.PositiveIntegerField()
    last_row = models.PositiveIntegerField()
    finished_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["data_import", "first_row"]
        constraints = [
            models.UniqueConstraint(fields=["data_import", "first_row"], name="import_batch_once")
        ]

    def __str__(self) -> str:
        return f"{self.first_row}–{self.last_row}"


class ImportMapping(BaseModel):
    """A column mapping saved under a name, to be used for the next file of
    the same shape."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_mappings"
    )
    name = models.CharField(_("name"), max_length=100)
    record_type = models.CharField(_("type"), max_length=16, choices=ImportType.choices)
    columns = models.JSONField(_("columns"), default=dict)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("import mapping")
        verbose_name_plural = _("import mappings")
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "record_type", "name"], name="import_mapping_name_once"
            )
        ]

    def __str__(self) -> str:
        return self.name
