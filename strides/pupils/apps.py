from django.apps import AppConfig


class PupilsConfig(AppConfig):
    name = "strides.pupils"
    label = "pupils"
