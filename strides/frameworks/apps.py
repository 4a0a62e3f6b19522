from django.apps import AppConfig


class FrameworksConfig(AppConfig):
    name = "strides.frameworks"
    label = "frameworks"
