"""The contact history in the admin: for looking things up (support, data
protection requests). Activities are written through the web UI and the API,
whose services check every rule, so the admin does not edit them."""

from django.contrib import admin

from kontor.activities.models import Activity, Participant


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ParticipantInline(admin.TabularInline):
    model = Participant
    extra = 0
    fields = ["contact", "user"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "kind", "subject", "contact", "organization", "author"]
    list_filter = ["kind", "status", "direction"]
    search_fields = ["subject", "message_id", "thread"]
    date_hierarchy = "occurred_at"
    list_select_related = ["contact", "organization", "author"]
    show_full_result_count = False
    inlines = [ParticipantInline]
