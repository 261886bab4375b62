"""GDPR erasure of a person's files (kontor.core.erasure): the files on
their record and on their activities go, rows and stored bytes (the
storage's own delete, local or S3, once the transaction commits:
kontor.files.signals)."""

from django.db.models import Q
from django.utils.translation import gettext_noop

from kontor.core.erasure import Erasure
from kontor.files.models import Attachment


def erase_files(erasure: Erasure) -> None:
    person = erasure.person
    files = Attachment.objects.filter(Q(contact=person) | Q(activity__contact=person))
    ids = list(files.values_list("pk", flat=True))
    erasure.touched(Attachment, ids)
    deleted = 0
    for attachment in Attachment.objects.filter(pk__in=ids):
        attachment.delete()
        deleted += 1
    erasure.removed(gettext_noop("files"), deleted)
