from django.apps import AppConfig


class Config(AppConfig):
    name = "zhili.workflow"
    label = "workflow"
    verbose_name = "工单流程"
