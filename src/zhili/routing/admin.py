from django.contrib import admin

from .models import DispatchRule


@admin.register(DispatchRule)
class DispatchRuleAdmin(admin.ModelAdmin):
    list_display = ["category", "area", "territorial", "lead_unit", "is_active"]
    list_filter = ["territorial", "is_active"]
    search_fields = ["category__name", "lead_unit__name"]
    raw_id_fields = ["category", "area", "lead_unit"]
