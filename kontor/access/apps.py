from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    name = "kontor.access"
    label = "access"
    verbose_name = _("Users, teams and roles")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from kontor.access.defaults import restore_default_roles
        from kontor.access.freshness import connect_signals
        from kontor.access.warehouse import TEAM, USER
        from kontor.core.records import (
            MergeLink,
            register_merge_link,
            register_warehouse_table,
        )

        register_warehouse_table(USER)
        # A merged record's shares reach the survivor (one per user or team).
        register_merge_link(
            MergeLink(
                key="share",
                model="access.Share",
                generic=("object_type", "object_id"),
                unique=("user", "team"),
            )
        )
        register_warehouse_table(TEAM)

        # Cached copies of access and API tokens go stale with every write of them.
        connect_signals()
        post_migrate.connect(
            restore_default_roles, sender=self, dispatch_uid="kontor-access-default-roles"
        )
