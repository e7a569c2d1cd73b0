from django.contrib import admin
from django.utils.translation import gettext_lazy

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

    # Short category and unit names: at 1366 px the title keeps its width.
    list_display = ["number", "title", "state", "category_name", "unit_name", "received_at", "due_at"]
    list_select_related = ["category", "lead_unit"]
    list_filter = ["state", "channel"]
    search_fields = ["number", "title"]
    exclude = ["requester_name", "requester_phone"]
    inlines = [ReadOnlyEventInline]

    @admin.display(description=gettext_lazy("分类"), ordering="category__name")
    def category_name(self, obj) -> str:
        return obj.category.name if obj.category_id else "—"

    @admin.display(description=gettext_lazy("主办单位"), ordering="lead_unit__name")
    def unit_name(self, obj) -> str:
        return obj.lead_unit.display_name if obj.lead_unit_id else "—"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name not in self.exclude]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
