"""GDPR erasure in what Kontor passed on or sent (kontor.core.erasure): the
emails sent to the person (with the message as sent), and the webhook
deliveries whose payload carried one of the erased records or names the
person."""

from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils.translation import gettext_noop

from kontor.core.erasure import Erasure
from kontor.integration.models import OutgoingEmail, WebhookDelivery


def erase_sent_emails(erasure: Erasure) -> None:
    condition = Q(contact=erasure.person)
    for email in erasure.identifiers.emails:
        condition |= Q(to_text__icontains=email) | Q(cc_text__icontains=email)
    ids = list(
        OutgoingEmail.objects.annotate(
            to_text=Cast("to_addresses", TextField()), cc_text=Cast("cc_addresses", TextField())
        )
        .filter(condition)
        .values_list("pk", flat=True)
    )
    erasure.touched(OutgoingEmail, ids)
    deleted = OutgoingEmail.objects.filter(pk__in=ids).delete()[1].get(OutgoingEmail._meta.label, 0)
    erasure.removed(gettext_noop("sent emails"), deleted)


def erase_webhook_deliveries(erasure: Erasure) -> None:
    condition = Q(pk__in=[])
    for label, ids in erasure.records.items():
        condition |= Q(model=label, record_id__in=list(ids))
    for value in erasure.identifiers.all():
        condition |= Q(payload__icontains=value)
    deleted = WebhookDelivery.objects.filter(condition).delete()[0]
    erasure.removed(gettext_noop("webhook deliveries"), deleted)
