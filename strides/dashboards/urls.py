"""Dashboard pages under /dashboards/ (trust, school, class, pupil). Filters are query parameters
(``?drop=<slug>&subject=<code>&group=<dimension>``); every table exports with
``&export=xlsx&table=NAME``. See docs/dashboards.md."""

from django.urls import path

from strides.dashboards import views_benchmark, views_class, views_pupil, views_school, views_trust

app_name = "dashboards"

urlpatterns = [
    path("", views_trust.home, name="home"),
    path("trust/", views_trust.trust, name="trust"),
    path("benchmark/", views_benchmark.benchmark, name="benchmark"),
    path("benchmark/trust-pool.csv", views_benchmark.trust_pool_csv, name="benchmark_pool"),
    path("schools/<str:urn>/", views_school.school, name="school"),
    path("classes/<int:group_id>/", views_class.class_dashboard, name="class"),
    path("pupils/<int:pupil_id>/", views_pupil.pupil_dashboard, name="pupil"),
]
