from django.apps import AppConfig


class Config(AppConfig):
    name = "zhili.workcalendar"
    label = "workcalendar"
    default_auto_field = "django.db.models.BigAutoField"
