"""The administrator creates and revokes client applications' API keys here (or with
``zhili apikey``). A new key is shown once, in the message after saving; only its hash is kept."""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext

from .keys import ApiKeyError, check_rate, invalidate_cache, issue_key
from .models import ApiClient, Submission


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = ["name", "key_hint", "rate", "may_import_history", "created_at", "revoked_at"]
    list_filter = ["may_import_history"]
    search_fields = ["name", "contact"]
    readonly_fields = ["key_hint", "created_at", "revoked_at"]
    fields = ["name", "contact", "rate", "may_import_history", "key_hint", "created_at", "revoked_at"]
    actions = ["revoke"]

    def save_model(self, request, obj, form, change):
        try:
            check_rate(obj.rate)
        except ApiKeyError as exc:
            messages.error(request, str(exc))
            obj.rate = ""
        key = None if change else issue_key(obj)
        super().save_model(request, obj, form, change)
        if key:
            messages.warning(request, gettext("客户端“%(name)s”的 API 密钥（只显示这一次，请立即转交）：%(key)s")
                             % {"name": obj.name, "key": key})

    @admin.action(description=gettext_lazy("吊销所选客户端的密钥"))
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        invalidate_cache()  # an update sends no signal: refuse the keys at once in this process
        messages.success(request, ngettext("已吊销 %(count)d 个客户端的密钥", "已吊销 %(count)d 个客户端的密钥", count)
                         % {"count": count})

    def has_delete_permission(self, request, obj=None):
        return False  # its submissions point to it: revoke instead


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["created_at", "client", "service_request", "idempotency_key"]
    list_filter = ["client"]
    search_fields = ["service_request__number", "idempotency_key"]
    readonly_fields = [f.name for f in Submission._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
