"""The knowledge base in Django's admin: search by title and text, find stale articles."""

from django.contrib import admin
from django.utils.translation import gettext, gettext_lazy

from .models import KnowledgeArticle


class ReviewedFilter(admin.SimpleListFilter):
    """未核实 / 已核实: articles never reviewed (e.g. demo content) are a supervision trigger (JN 28)."""

    title = gettext_lazy("核实情况")
    parameter_name = "reviewed"

    def lookups(self, request, model_admin):
        return [("no", gettext("未核实")), ("yes", gettext("已核实"))]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(reviewed_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(reviewed_at__isnull=False)
        return queryset


@admin.register(KnowledgeArticle)
class KnowledgeArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "category", "owner_unit", "is_active", "reviewed_at", "updated_at"]
    list_filter = ["is_active", ReviewedFilter, "category__level"]
    list_select_related = ["category", "owner_unit"]
    search_fields = ["title", "body"]
    raw_id_fields = ["category", "owner_unit"]
