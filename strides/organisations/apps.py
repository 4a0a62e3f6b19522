from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "strides.organisations"
    label = "organisations"
