"""API v1 routes for analytics: /api/v1/analytics/... (see ``strides.dashboards.api``)."""

from django.urls import path

from strides.dashboards import api

app_name = "analytics_api"

urlpatterns = [
    path("analytics/attainment/", api.AttainmentView.as_view(), name="attainment"),
    path("analytics/progress/", api.ProgressView.as_view(), name="progress"),
    path("analytics/similar-learners/", api.SimilarLearnersView.as_view(), name="similar-learners"),
    path("analytics/gaps/", api.GapsView.as_view(), name="gaps"),
    path("analytics/transitions/", api.TransitionsView.as_view(), name="transitions"),
    path("analytics/attention/", api.AttentionView.as_view(), name="attention"),
    path("analytics/benchmark/", api.BenchmarkView.as_view(), name="benchmark"),
]
