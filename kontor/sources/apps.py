from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SourcesConfig(AppConfig):
    name = "kontor.sources"
    label = "sources"
    verbose_name = _("Outside sources of records")

    def ready(self) -> None:
        from kontor.core.records import MergeLink, register_merge_link

        # The ids an outside system knows a merged record by name the survivor.
        register_merge_link(
            MergeLink(
                key="external_id",
                model="sources.ExternalRecord",
                generic=("record_type", "record_id"),
            )
        )
