from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "strides.imports"
    label = "imports"
