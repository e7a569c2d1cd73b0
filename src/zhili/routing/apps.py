from django.apps import AppConfig


class Config(AppConfig):
    name = "zhili.routing"
    label = "routing"
    verbose_name = "分类与派单"
    default_auto_field = "django.db.models.BigAutoField"
