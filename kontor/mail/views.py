"""Web UI of email import: upload .eml, .mbox and Outlook .msg files;
download a received message as it came; read an attached email."""

from dataclasses import dataclass
from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from kontor.core.exceptions import FieldErrors
from kontor.files.selectors import attachment_get
from kontor.mail import selectors
from kontor.mail.api import raw_response
from kontor.mail.forms import ImportForm
from kontor.mail.models import Source
from kontor.mail.parsing import parse_message
from kontor.mail.services import IngestResult, max_message_bytes, message_ingest
from kontor.mail.uploads import messages_in

MAX_MESSAGES_PER_UPLOAD = 5000


@dataclass
class ImportRow:
    file_name: str
    result: IngestResult | None
    error: str = ""


@login_required
def mail_import(request: HttpRequest) -> HttpResponse:
    rows: list[ImportRow] = []
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        create = form.cleaned_data["create_unknown_contacts"]
        for upload in form.cleaned_data["files"]:
            for index, (raw, raw_format) in enumerate(messages_in(upload)):
                if index >= MAX_MESSAGES_PER_UPLOAD:
                    rows.append(ImportRow(upload.name, None, "too many messages in one file"))
                    break
                try:
                    result = message_ingest(
                        actor=request.user,
                        raw=raw,
                        source=Source.UPLOAD,
                        create_unknown_contacts=create,
                        raw_format=raw_format,
                    )
                except FieldErrors as exc:
                    rows.append(ImportRow(upload.name, None, str(exc)))
                else:
                    rows.append(ImportRow(upload.name, result))
        form = ImportForm()
    return render(
        request,
        "mail/import.html",
        {
            "form": form,
            "rows": rows,
            "imported": sum(1 for r in rows if r.result and not r.result.duplicate),
            "duplicates": sum(1 for r in rows if r.result and r.result.duplicate),
            "with_problems": sum(1 for r in rows if r.error or (r.result and r.result.problems)),
        },
    )


@login_required
def message_raw(request: HttpRequest, message_id: UUID) -> HttpResponse:
    message = selectors.message_get(user=request.user, message_id=message_id)
    if message is None:
        raise Http404
    return raw_response(message)


PREVIEWED_TYPES = {"message/rfc822", "message/global"}


@login_required
def attached_message(request: HttpRequest, file_id: UUID) -> HttpResponse:
    """An email attached to an activity (a forwarded message, an .eml file),
    read as an email: its headers, its text and the names of its files."""
    attachment = attachment_get(user=request.user, attachment_id=file_id)
    if attachment is None:
        raise Http404
    if attachment.content_type not in PREVIEWED_TYPES and not attachment.name.lower().endswith(
        ".eml"
    ):
        raise Http404
    with attachment.file.open("rb") as handle:
        parsed = parse_message(handle.read(max_message_bytes() + 1))
    return render(
        request,
        "mail/attached_message.html",
        {"attachment": attachment, "message": parsed},
    )
