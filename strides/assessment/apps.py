from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "strides.assessment"
    label = "assessment"
