from django.contrib import admin

from .models import KnowledgeArticle


@admin.register(KnowledgeArticle)
class KnowledgeArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "category", "owner_unit", "is_active", "reviewed_at"]
    list_filter = ["is_active"]
    search_fields = ["title", "body"]
    raw_id_fields = ["category", "owner_unit"]
