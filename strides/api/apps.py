from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "strides.api"
    label = "api"
