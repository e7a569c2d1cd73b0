from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class Config(AppConfig):
    name = "zhili.taxonomy"
    label = "taxonomy"
    verbose_name = gettext_lazy("诉求分类")
    default_auto_field = "django.db.models.BigAutoField"
