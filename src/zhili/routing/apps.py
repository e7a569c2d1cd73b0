from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class Config(AppConfig):
    name = "zhili.routing"
    label = "routing"
    verbose_name = gettext_lazy("分类与派单")
    default_auto_field = "django.db.models.BigAutoField"
