"""The audit trail in the admin: read-only, no adding, changing or deleting."""

from django.contrib import admin

from kontor.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_name", "channel", "action", "object_type", "object_repr"]
    list_filter = ["action", "channel", "object_type", "sensitive"]
    search_fields = ["object_id", "object_repr"]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
