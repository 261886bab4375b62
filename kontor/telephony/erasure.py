"""GDPR erasure of a person's calls (kontor.core.erasure): the calls as the
phone system reported them, linked to the person or from or to one of their
numbers, with the log of the events the phone system sent (its raw
payloads hold the number)."""

from django.db.models import Q
from django.utils.translation import gettext_noop

from kontor.core.erasure import Erasure
from kontor.telephony.models import Call, CallEvent


def erase_calls(erasure: Erasure) -> None:
    phones = erasure.identifiers.phones
    condition = Q(contact=erasure.person) | Q(number__in=phones)
    condition |= Q(from_number__in=phones) | Q(to_number__in=phones)
    ids = list(Call.objects.filter(condition).values_list("pk", flat=True))
    erasure.touched(Call, ids)
    erasure.removed(
        gettext_noop("telephony event logs"), CallEvent.objects.filter(call_id__in=ids).count()
    )
    deleted = Call.objects.filter(pk__in=ids).delete()[1].get(Call._meta.label, 0)
    erasure.removed(gettext_noop("calls"), deleted)
