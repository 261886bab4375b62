"""Remove a file's bytes from storage when its row goes.

Rows also go by cascade (a contact, an organization or an activity is
deleted), which no service sees; a ``post_delete`` receiver is the one place
that catches every path, so an erased customer leaves no files behind."""

import logging

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from kontor.files.models import Attachment

logger = logging.getLogger(__name__)


@receiver(post_delete, sender=Attachment, dispatch_uid="attachment_delete_bytes")
def delete_bytes_after_commit(sender: type[Attachment], instance: Attachment, **kwargs) -> None:
    name = instance.file.name
    storage = instance.file.storage
    if not name:
        return

    def delete() -> None:
        try:
            storage.delete(name)
        except OSError:
            logger.exception("could not delete the stored file %s", name)

    transaction.on_commit(delete)
