from django.apps import AppConfig


class StepsConfig(AppConfig):
    name = "strides.steps"
    label = "steps"
    verbose_name = "Small steps"
