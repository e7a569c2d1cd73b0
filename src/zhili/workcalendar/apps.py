from django.apps import AppConfig


class Config(AppConfig):
    name = "zhili.workcalendar"
    label = "workcalendar"
    verbose_name = "工作日历"
    default_auto_field = "django.db.models.BigAutoField"
