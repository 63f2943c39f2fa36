"""Read-only admin: the timeline is only ever appended to by the services (X-1)."""

from django.contrib import admin

from pinzhi.timeline.models import Attachment, Event, Verification


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["chain", "seq", "at", "action", "subject_repr", "actor_name"]
    list_filter = ["action"]
    search_fields = ["action", "subject_repr", "actor_name", "reason"]
    date_hierarchy = "at"
    show_full_result_count = False


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "subject_repr", "mime_type", "size", "uploaded_by"]
    search_fields = ["original_name", "subject_repr", "sha256"]


@admin.register(Verification)
class VerificationAdmin(ReadOnlyAdmin):
    list_display = ["at", "ok", "events_checked", "head_seq", "duration_ms"]
