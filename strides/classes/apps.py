from django.apps import AppConfig


class ClassesConfig(AppConfig):
    name = "strides.classes"
    label = "classes"
