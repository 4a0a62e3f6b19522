"""Dashboard pages under /dashboards/ (trust, school, class, pupil)."""

from django.urls import path  # noqa: F401 - the page views add their routes here

app_name = "dashboards"

urlpatterns: list = []
