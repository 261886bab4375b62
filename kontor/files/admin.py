from django.contrib import admin

from kontor.files.models import Attachment


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    """For looking up files; uploads go through the web UI and the API, which
    check size and content type."""

    list_display = ["name", "content_type", "size", "created_at", "uploaded_by"]
    list_filter = ["content_type"]
    search_fields = ["name"]
    list_select_related = ["uploaded_by"]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
