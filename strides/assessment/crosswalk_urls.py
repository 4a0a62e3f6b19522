"""One drop's crosswalk difference and its Apply (``strides.assessment.crosswalk_views``), mounted at
/frameworks/ beside the crosswalk versions (``strides.frameworks.urls``), which may not import
assessment (ADR 13): hence a namespace of its own, ``crosswalk_drops``."""

from django.urls import path

from strides.assessment import crosswalk_views

app_name = "crosswalk_drops"
urlpatterns = [
    path("crosswalks/drops/<slug:drop_slug>/", crosswalk_views.crosswalk_drop, name="drop"),
]
