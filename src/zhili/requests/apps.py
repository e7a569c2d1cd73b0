from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class Config(AppConfig):
    verbose_name = gettext_lazy("工单")
    name = "zhili.requests"
    label = "requests"
    default_auto_field = "django.db.models.BigAutoField"
