from django.apps import AppConfig


class Config(AppConfig):
    name = "zhili.taxonomy"
    label = "taxonomy"
    verbose_name = "诉求分类"
    default_auto_field = "django.db.models.BigAutoField"
