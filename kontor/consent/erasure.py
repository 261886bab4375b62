"""GDPR erasure of a person's consents (kontor.core.erasure): their consent
records and pending opt-ins go with them."""

from django.utils.translation import gettext_noop

from kontor.consent.models import ConsentRecord, OptIn
from kontor.core.erasure import Erasure


def erase_consents(erasure: Erasure) -> None:
    records = ConsentRecord.objects.filter(contact=erasure.person)
    erasure.touched(ConsentRecord, records.values_list("pk", flat=True))
    OptIn.objects.filter(contact=erasure.person).delete()
    deleted = records.delete()[1].get(ConsentRecord._meta.label, 0)
    erasure.removed(gettext_noop("consents"), deleted)
