from django.apps import AppConfig


class Config(AppConfig):
    name = "zhili.imports"
    label = "imports"
