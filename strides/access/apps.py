from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "strides.access"
    label = "access"
