from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "strides.api"
    label = "api"

    def ready(self) -> None:
        # Registers the schema extension for token authentication with drf-spectacular.
        from strides.api import schema  # noqa: F401
