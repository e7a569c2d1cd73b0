from django.apps import AppConfig


class Config(AppConfig):
    name = "zhili.assessment"
    label = "assessment"
    verbose_name = "考核评价"
    default_auto_field = "django.db.models.BigAutoField"
