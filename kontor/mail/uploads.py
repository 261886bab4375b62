"""Messages in uploaded files: one message in an .eml file, any number in an
mbox file (the Unix mailbox format Thunderbird and many others export)."""

import mailbox
import tempfile
from collections.abc import Iterator

from django.core.files.uploadedfile import UploadedFile

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


def messages_in(upload: UploadedFile) -> Iterator[bytes]:
    if not _is_mbox(upload):
        upload.seek(0)
        yield upload.read()
        return
    with tempfile.NamedTemporaryFile(suffix=".mbox") as copy:
        for chunk in upload.chunks(CHUNK):
            copy.write(chunk)
        copy.flush()
        box = mailbox.mbox(copy.name, create=False)
        try:
            for key in box.iterkeys():
                yield box.get_bytes(key)
        finally:
            box.close()
