"""Django admin views of notifications (X-3), for support; day-to-day work uses the app's
own pages. The log is read-only: it records what happened."""

from django.contrib import admin

from pinzhi.notify.models import ChannelPreference, Delivery, Notification, WebhookEndpoint


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "recipient", "kind", "created_at", "read_at"]
    list_filter = ["kind"]
    search_fields = ["title", "recipient__username", "recipient__full_name"]
    raw_id_fields = ["recipient"]
    readonly_fields = ["created_at"]


@admin.register(ChannelPreference)
class ChannelPreferenceAdmin(admin.ModelAdmin):
    list_display = ["person", "email", "webhook", "updated_at"]
    raw_id_fields = ["person"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["name", "company", "url", "active", "updated_at"]
    list_filter = ["active", "company"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["notification", "channel", "endpoint", "attempt", "status", "created_at"]
    list_filter = ["status", "channel", "endpoint"]

    def has_add_permission(self, request):
        return False

    def get_fields(self, request, obj=None):
        # The technical detail of a failure (network errors, the gateway's answer) is for
        # superusers only (issue 6 item 5).
        fields = super().get_fields(request, obj)
        return fields if request.user.is_superuser else [f for f in fields if f != "detail"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
