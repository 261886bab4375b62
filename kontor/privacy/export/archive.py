"""The archive a data protection officer sends a person who asked for their
data: ``data.json`` (kontor.privacy.export.collect), its ``schema.json``,
``summary.html`` (readable, in German and English) and the stored files
under ``files/``. Built in a temporary file, so a person with many large
files costs disk, not memory."""

import json
import shutil
import tempfile
import zipfile
from typing import IO, Any

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from kontor.audit.models import AuditAction
from kontor.audit.services import audit_record
from kontor.core.exceptions import FieldErrors
from kontor.privacy.export.collect import Collected, collect
from kontor.privacy.export.schema import export_schema
from kontor.privacy.models import DataSubjectRequest
from kontor.privacy.services import require_request_handler

SUMMARY_LANGUAGES = ("de", "en")


def _summary(collected: Collected, request: DataSubjectRequest) -> str:
    parts = []
    for language in SUMMARY_LANGUAGES:
        with translation.override(language):
            parts.append(
                render_to_string(
                    "privacy/export_summary_part.html",
                    {
                        "language": language,
                        "request": request,
                        "person": collected.data["person"],
                        "sections": collected.sections,
                        "files": collected.files,
                        "recipients": collected.recipients,
                        "retention": collected.data["retention"],
                        "generated_at": collected.data["generated_at"],
                    },
                )
            )
    return render_to_string("privacy/export_summary.html", {"parts": parts})


def export_filename(request: DataSubjectRequest) -> str:
    return f"kontor-export-{request.received_on:%Y-%m-%d}-{str(request.pk)[:8]}.zip"


def request_export(*, actor: Any, request: DataSubjectRequest) -> IO[bytes]:
    """The archive of everything about the request's person, as an open
    temporary file at its start. The export is recorded in the audit trail,
    naming the request."""
    require_request_handler(actor)
    if not request.has_export:
        raise FieldErrors.single(
            "type", _("Only access and portability requests are answered with an export.")
        )
    if request.contact is None:
        raise FieldErrors.single("contact", _("The person of this request is no longer stored."))
    with transaction.atomic(), translation.override("en"):
        collected = collect(actor=actor, request=request, person=request.contact)
        data = json.dumps(collected.data, ensure_ascii=False, indent=2)
        schema = json.dumps(export_schema(), ensure_ascii=False, indent=2)
    summary = _summary(collected, request)
    # Left open for the caller: the response streams it and closes it.
    archive = tempfile.TemporaryFile()  # noqa: SIM115
    try:
        with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
            zipped.writestr("data.json", data)
            zipped.writestr("schema.json", schema)
            zipped.writestr("summary.html", summary)
            for stored in collected.files:
                if isinstance(stored.content, bytes):
                    zipped.writestr(stored.path, stored.content)
                    continue
                with stored.content.open("rb") as source, zipped.open(stored.path, "w") as target:
                    shutil.copyfileobj(source, target)
    except BaseException:
        archive.close()
        raise
    count = sum(len(section.items) for section in collected.sections)
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        record=request,
        object_repr=f"{request} · {collected.data['person']['name']}",
        changes={"count": (None, count), "files": (None, len(collected.files))},
        sensitive=True,
    )
    archive.seek(0)
    return archive
