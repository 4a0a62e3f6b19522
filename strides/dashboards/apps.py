from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "strides.dashboards"
    label = "dashboards"
    verbose_name = "Dashboards"
