from django.apps import AppConfig


class Config(AppConfig):
    name = "zhili.routing"
    label = "routing"
    default_auto_field = "django.db.models.BigAutoField"
