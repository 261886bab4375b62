"""GDPR erasure of a person's received emails (kontor.core.erasure): the
messages on their timeline and those they sent, rows and raw messages (the
storage's delete once the transaction commits: kontor.mail.signals)."""

from django.db.models import Q
from django.utils.translation import gettext_noop

from kontor.core.erasure import Erasure
from kontor.mail.models import InboundMessage


def erase_received_emails(erasure: Erasure) -> None:
    condition = Q(activity__contact=erasure.person)
    for email in erasure.identifiers.emails:
        condition |= Q(from_address__icontains=email)
    ids = list(InboundMessage.objects.filter(condition).values_list("pk", flat=True))
    erasure.touched(InboundMessage, ids)
    deleted = 0
    for message in InboundMessage.objects.filter(pk__in=ids):
        message.delete()
        deleted += 1
    erasure.removed(gettext_noop("received emails and raw messages"), deleted)
