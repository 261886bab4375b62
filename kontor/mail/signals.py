"""Remove a received message's raw file when its row goes (also by cascade,
which no service sees), so that erased mail leaves no copy behind."""

import logging

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from kontor.mail.models import InboundMessage

logger = logging.getLogger(__name__)


@receiver(post_delete, sender=InboundMessage, dispatch_uid="inbound_message_delete_raw")
def delete_raw_after_commit(
    sender: type[InboundMessage], instance: InboundMessage, **kwargs
) -> None:
    name = instance.raw.name
    storage = instance.raw.storage
    if not name:
        return

    def delete() -> None:
        try:
            storage.delete(name)
        except OSError:
            logger.exception("could not delete the raw message %s", name)

    transaction.on_commit(delete)
