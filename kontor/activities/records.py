"""The activity record type, registered in ``ActivitiesConfig.ready``
(kontor.core.records).

An activity has no owner of its own: it belongs to the record it is
attached to (its contact and organization) and in addition to the colleague
who wrote it. So a sales rep sees the history of their team's customers, and
may change the notes they wrote themselves under an ``own`` level."""

from django.utils.translation import gettext_lazy as _

from kontor.activities.warehouse import ACTIVITY
from kontor.core.records import FieldSpec, PersonalData, RecordType, SearchSpec

ACTIVITY = RecordType(
    key="activity",
    label=_("activity"),
    label_plural=_("activities"),
    model="activities.Activity",
    visible="kontor.activities.selectors.visible_activities",
    owner_paths=("author", "contact__owner", "organization__owner"),
    share_paths=(("", ""), ("contact", "contact"), ("organization", "organization")),
    parent_types=("contact", "organization"),
    restricted_by=("contact__processing_restricted_at",),
    fields=(
        FieldSpec("subject", _("subject")),
        FieldSpec("body", _("text"), output_keys=("body", "body_html")),
    ),
    references=(("organization", "organization"),),
    api_parameter="activity_id",
    serialize="kontor.activities.payloads.activity_answer",
    events=("created", "updated", "deleted"),
    search=SearchSpec(fields=("subject",)),
    personal_data=PersonalData(
        links=("contact", "participants__contact"),
        erase="kontor.activities.erasure.erase_activities",
        erase_order=40,
    ),
    merge_links=("contact", "organization"),
    warehouse=(ACTIVITY,),
)
