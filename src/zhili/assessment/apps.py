from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class Config(AppConfig):
    name = "zhili.assessment"
    label = "assessment"
    verbose_name = gettext_lazy("考核评价")
    default_auto_field = "django.db.models.BigAutoField"
