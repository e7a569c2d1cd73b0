from django.apps import AppConfig


class Config(AppConfig):
    name = "zhili.imports"
    label = "imports"
    verbose_name = "导入"
