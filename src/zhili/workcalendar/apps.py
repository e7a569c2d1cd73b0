from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class Config(AppConfig):
    name = "zhili.workcalendar"
    label = "workcalendar"
    verbose_name = gettext_lazy("工作日历")
    default_auto_field = "django.db.models.BigAutoField"
