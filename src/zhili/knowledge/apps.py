from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class Config(AppConfig):
    name = "zhili.knowledge"
    label = "knowledge"
    verbose_name = gettext_lazy("知识库")
    default_auto_field = "django.db.models.BigAutoField"
