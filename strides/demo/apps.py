from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "strides.demo"
    label = "demo"
