from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class Config(AppConfig):
    name = "zhili.imports"
    label = "imports"
    verbose_name = gettext_lazy("导入")
