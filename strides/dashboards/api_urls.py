"""API v1 routes for analytics: /api/v1/analytics/..."""

app_name = "analytics_api"

urlpatterns: list = []
