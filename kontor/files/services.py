"""Storing and removing attached files."""

import mimetypes
import re
import unicodedata
from typing import Any

import filetype
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from kontor.access.policy import require, require_create
from kontor.access.rights import Action
from kontor.access.services import shares_forget
from kontor.activities.models import Activity
from kontor.audit.models import AuditAction
from kontor.audit.services import audit_record
from kontor.contacts.models import Contact, Organization
from kontor.core.exceptions import FieldErrors
from kontor.core.records import record_type_for
from kontor.events.outbox import emit
from kontor.files.models import Attachment

User = AbstractBaseUser | AnonymousUser

SNIFF_BYTES = 8192
MAX_NAME_LENGTH = 255
_UNSAFE_NAME_CHARACTERS = re.compile(r"[\x00-\x1f\x7f/\\]")


class FileTooLarge(FieldErrors):
    """The upload is larger than ``KONTOR_MAX_UPLOAD_MB``."""


def max_upload_bytes() -> int:
    return settings.KONTOR_MAX_UPLOAD_MB * 1024 * 1024


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def clean_file_name(name: str) -> str:
    """The name as the user's computer had it, without directories or control
    characters, shortened to fit (keeping the extension)."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = _UNSAFE_NAME_CHARACTERS.sub("", name).strip().strip(".") or "file"
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 16:
            name = stem[: MAX_NAME_LENGTH - len(extension) - 1] + "." + extension
        else:
            name = name[:MAX_NAME_LENGTH]
    return name


def detect_content_type(upload: UploadedFile, name: str) -> str:
    """What the bytes are (magic numbers); the name's extension only when the
    content does not tell (plain text formats have no signature)."""
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is not None:
        return kind.mime
    guessed, _encoding = mimetypes.guess_type(name, strict=False)
    return guessed or "application/octet-stream"


def attachment_create(
    *,
    actor: User,
    upload: UploadedFile,
    activity: Activity | None = None,
    contact: Contact | None = None,
    organization: Organization | None = None,
    linked: Any = None,
) -> Attachment:
    """Store an uploaded file for exactly one activity, contact or organization.
    The caller passes a record it read through a selector (so the actor may
    see it). ``linked``: a record of a type with history links (a deal) the
    file is about as well (kontor.activities.links)."""
    if sum(record is not None for record in (activity, contact, organization)) != 1:
        raise ValueError("attach a file to exactly one activity, contact or organization")
    parent = activity or contact or organization
    require_create(
        actor, "file", owner_ids=record_type_for(parent).owner_ids(parent), parents=[parent]
    )
    if upload is None:
        raise FieldErrors.single("file", "choose a file to upload")
    if upload.size > max_upload_bytes():
        raise FileTooLarge.single(
            "file",
            f"is too large ({_megabytes(upload.size)}); files may be at most "
            f"{settings.KONTOR_MAX_UPLOAD_MB} MB",
        )
    if upload.size == 0:
        raise FieldErrors.single("file", "is empty")
    name = clean_file_name(upload.name)
    link_type = ""
    if linked is not None:
        link_type = record_type_for(linked).key
        if not record_type_for(linked).history_links:
            raise ValueError(f"files cannot be linked to a {link_type}")
    attachment = Attachment(
        linked_type=link_type,
        linked_id=linked.pk if linked is not None else None,
        name=name,
        size=upload.size,
        content_type=detect_content_type(upload, name),
        uploaded_by=actor if actor.is_authenticated else None,
        activity=activity,
        contact=contact,
        organization=organization,
    )
    with transaction.atomic():
        attachment.file.save(name, upload, save=False)
        try:
            attachment.save()
        except Exception:
            attachment.file.storage.delete(attachment.file.name)
            raise
        _audit(actor, AuditAction.CREATE, attachment, new=True)
        emit("file.created", attachment)
    return attachment


def _audit(actor: User, action: str, attachment: Attachment, *, new: bool) -> None:
    values = {"name": attachment.name, "size": attachment.size,
              "content_type": attachment.content_type}  # fmt: skip
    record = attachment.contact or attachment.organization
    if attachment.activity_id:
        values["activity"] = str(attachment.activity_id)
        record = attachment.activity.contact or attachment.activity.organization
    if attachment.linked_id:
        values[attachment.linked_type] = str(attachment.linked_id)
    audit_record(
        actor=actor,
        action=action,
        record=attachment,
        changes={field: [None, v] if new else [v, None] for field, v in values.items()},
        parent=record,
    )


def attachment_delete(*, actor: User, attachment: Attachment) -> None:
    """Delete the row; its bytes go once the transaction commits."""
    require(actor, Action.DELETE, attachment)
    with transaction.atomic():
        _audit(actor, AuditAction.DELETE, attachment, new=False)
        emit("file.deleted", attachment)
        shares_forget("file", attachment.pk)
        attachment.delete()
