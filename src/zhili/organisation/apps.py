from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class Config(AppConfig):
    name = "zhili.organisation"
    label = "organisation"
    verbose_name = gettext_lazy("组织与单位")
    default_auto_field = "django.db.models.BigAutoField"
