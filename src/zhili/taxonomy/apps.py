from django.apps import AppConfig


class Config(AppConfig):
    name = "zhili.taxonomy"
    label = "taxonomy"
    default_auto_field = "django.db.models.BigAutoField"
