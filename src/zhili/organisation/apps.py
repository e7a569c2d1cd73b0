from django.apps import AppConfig


class Config(AppConfig):
    name = "zhili.organisation"
    label = "organisation"
    verbose_name = "组织与单位"
    default_auto_field = "django.db.models.BigAutoField"
