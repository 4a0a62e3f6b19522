"""API v1 routes for frameworks, the common scale, drops and judgements."""

from django.urls import path  # noqa: F401

app_name = "assessment_api"
urlpatterns: list = []
