"""GDPR erasure of a person's history (kontor.core.erasure): every activity
on their timeline goes, and so does a meeting whose only participant they
were. An activity about other people too (a meeting, an email to several
contacts) stays for them: the person leaves its participants and their
names, addresses and numbers leave its text."""

from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils.translation import gettext_noop

from kontor.activities.models import Activity, Participant
from kontor.core.erasure import Erasure


def _mentions(erasure: Erasure) -> Q:
    condition = Q(pk__in=[])
    for email in erasure.identifiers.emails:
        condition |= (
            Q(from_address__icontains=email)
            | Q(to_text__icontains=email)
            | Q(cc_text__icontains=email)
        )
    return condition


def erase_activities(erasure: Erasure) -> None:
    person = erasure.person
    own = set(Activity.objects.filter(contact=person).values_list("pk", flat=True))
    attended = set(Participant.objects.filter(contact=person).values_list("activity_id", flat=True))
    with_others = set(
        Participant.objects.filter(activity_id__in=attended - own, contact__isnull=False)
        .exclude(contact=person)
        .values_list("activity_id", flat=True)
    ) | set(
        Activity.objects.filter(pk__in=attended - own, contact__isnull=False)
        .exclude(contact=person)
        .values_list("pk", flat=True)
    )
    gone = own | (attended - with_others)
    erasure.touched(Activity, gone)
    deleted = Activity.objects.filter(pk__in=gone).delete()[1].get(Activity._meta.label, 0)
    erasure.removed(gettext_noop("activities"), deleted)
    left = Participant.objects.filter(contact=person).delete()[0]
    erasure.removed(gettext_noop("meeting participations"), left)
    mentioned = (
        Activity.objects.annotate(
            to_text=Cast("to_addresses", TextField()), cc_text=Cast("cc_addresses", TextField())
        )
        .filter(_mentions(erasure))
        .values_list("pk", flat=True)
    )
    scrubbed = 0
    for activity in Activity.objects.filter(pk__in=with_others | set(mentioned)):
        scrub = erasure.identifiers.scrub
        activity.subject = scrub(activity.subject)[:255]
        activity.body = scrub(activity.body)
        activity.body_html = scrub(activity.body_html)
        activity.from_address = scrub(activity.from_address)
        activity.phone_number = scrub(activity.phone_number)
        activity.to_addresses = [scrub(str(value)) for value in activity.to_addresses or []]
        activity.cc_addresses = [scrub(str(value)) for value in activity.cc_addresses or []]
        activity.save(
            update_fields=[
                "subject",
                "body",
                "body_html",
                "from_address",
                "phone_number",
                "to_addresses",
                "cc_addresses",
            ]
        )
        erasure.touched(Activity, [activity.pk])
        scrubbed += 1
    erasure.removed(gettext_noop("activities anonymized (about other people too)"), scrubbed)
