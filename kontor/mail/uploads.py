"""Messages in uploaded files: one message in an .eml file, any number in an
mbox file (the Unix mailbox format Thunderbird and many others export), one
Outlook message in an .msg file."""

import mailbox
import tempfile
from collections.abc import Iterator

from django.core.files.uploadedfile import UploadedFile

from kontor.mail.models import CFB_SIGNATURE, RawFormat

CHUNK = 1024 * 1024


def _is_mbox(upload: UploadedFile) -> bool:
    name = (upload.name or "").lower()
    if name.endswith(".mbox") or name.endswith(".mbx"):
        return True
    if name.endswith(".eml"):
        return False
    upload.seek(0)
    head = upload.read(5)
    upload.seek(0)
    return head == b"From "


def _is_outlook(upload: UploadedFile) -> bool:
    if (upload.name or "").lower().endswith(".msg"):
        return True
    upload.seek(0)
    head = upload.read(len(CFB_SIGNATURE))
    upload.seek(0)
    return head == CFB_SIGNATURE


def messages_in(upload: UploadedFile) -> Iterator[tuple[bytes, str]]:
    """Each message's bytes and format (RawFormat)."""
    if _is_outlook(upload):
        upload.seek(0)
        yield upload.read(), RawFormat.OUTLOOK
        return
    if not _is_mbox(upload):
        upload.seek(0)
        yield upload.read(), RawFormat.RFC822
        return
    with tempfile.NamedTemporaryFile(suffix=".mbox") as copy:
        for chunk in upload.chunks(CHUNK):
            copy.write(chunk)
        copy.flush()
        box = mailbox.mbox(copy.name, create=False)
        try:
            for key in box.iterkeys():
                yield box.get_bytes(key), RawFormat.RFC822
        finally:
            box.close()
