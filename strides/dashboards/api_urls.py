"""API v1 routes for analytics: /api/v1/analytics/... (see ``strides.dashboards.api``)."""

from django.urls import path

from strides.dashboards.api import aggregates, benchmark, pupils

app_name = "analytics_api"

urlpatterns = [
    path("analytics/attainment/", aggregates.AttainmentView.as_view(), name="attainment"),
    path("analytics/progress/", pupils.ProgressView.as_view(), name="progress"),
    path("analytics/similar-learners/", aggregates.SimilarLearnersView.as_view(), name="similar-learners"),
    path("analytics/gaps/", aggregates.GapsView.as_view(), name="gaps"),
    path("analytics/transitions/", aggregates.TransitionsView.as_view(), name="transitions"),
    path("analytics/attention/", pupils.AttentionView.as_view(), name="attention"),
    path("analytics/benchmark/", benchmark.BenchmarkView.as_view(), name="benchmark"),
]
