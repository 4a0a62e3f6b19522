"""Small steps' pages (docs/small-steps.md). The framework pages are in ``framework_urls``."""

from django.urls import include, path

app_name = "steps"
urlpatterns = [
    path("frameworks/", include("strides.steps.framework_urls")),
]
