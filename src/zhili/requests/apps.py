from django.apps import AppConfig


class Config(AppConfig):
    verbose_name = "工单"
    name = "zhili.requests"
    label = "requests"
    default_auto_field = "django.db.models.BigAutoField"
