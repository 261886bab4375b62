from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "kontor.activities"
    label = "activities"
    verbose_name = _("Contact history")

    def ready(self) -> None:
        from kontor.activities.records import ACTIVITY
        from kontor.core.records import MergeLink, register_merge_link, register_record_type

        register_record_type(ACTIVITY)
        # A meeting's participants: a merged contact's place goes to the survivor.
        register_merge_link(
            MergeLink(
                key="participant",
                model="activities.Participant",
                paths=("contact",),
                unique=("activity",),
            )
        )
