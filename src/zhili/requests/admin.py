from django.contrib import admin

from .models import RequestEvent, ServiceRequest


class ReadOnlyEventInline(admin.TabularInline):
    model = RequestEvent
    extra = 0
    can_delete = False
    fields = ["seq", "action", "actor", "from_state", "to_state", "to_unit", "confidence", "note", "at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ServiceRequest)
class ServiceRequestAdmin(admin.ModelAdmin):
    """Read-only in the admin: states change only through the workflow (pages, API, commands)."""

    list_display = ["number", "title", "state", "category", "lead_unit", "received_at", "due_at"]
    list_filter = ["state", "channel"]
    search_fields = ["number", "title"]
    exclude = ["requester_name", "requester_phone"]
    inlines = [ReadOnlyEventInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name not in self.exclude]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
