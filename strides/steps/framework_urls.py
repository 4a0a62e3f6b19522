"""The small-step framework pages (``strides.steps.framework_views``), under /steps/frameworks/ in
the ``steps`` namespace: the list, a framework, a new one, statements from a spreadsheet and the
spreadsheet's template, and the changes a framework's managers make."""

from django.urls import path

from strides.steps import framework_views as views
from strides.steps import levels_views

urlpatterns = [
    path("", views.framework_list, name="framework_list"),
    path("new/", views.framework_create, name="framework_create"),
    path("template.csv", views.import_template, name="framework_template"),
    path("<int:step_framework_id>/", views.framework_detail, name="framework_detail"),
    path("<int:step_framework_id>/import/", views.framework_import, name="framework_import"),
    path("<int:step_framework_id>/settings/", views.framework_settings, name="framework_settings"),
    path("<int:step_framework_id>/share/", views.framework_share, name="framework_share"),
    path("<int:step_framework_id>/levels/", levels_views.framework_levels, name="framework_levels"),
    path(
        "<int:step_framework_id>/statements/<int:statement_id>/",
        views.statement_edit,
        name="statement_edit",
    ),
    path(
        "<int:step_framework_id>/statements/<int:statement_id>/remove/",
        views.statement_remove,
        name="statement_remove",
    ),
    path(
        "<int:step_framework_id>/areas/<int:area_id>/subject/",
        views.area_subject,
        name="area_subject",
    ),
]
