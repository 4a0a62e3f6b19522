"""Framework pages, mounted at /frameworks/ (see strides/frameworks/views.py for who may do what)."""

from django.urls import path

from strides.frameworks import subjects_views, views

app_name = "frameworks"
urlpatterns = [
    path("", views.framework_list, name="list"),
    path("new/", views.framework_create, name="create"),
    path("from-spreadsheet/", views.framework_import, name="import"),
    path("from-spreadsheet/template.csv", views.import_template, name="import_template"),
    path("<int:framework_id>/", views.framework_detail, name="detail"),
    path("schools/<str:urn>/", views.school_assignments, name="assignments"),
    path("subjects/", subjects_views.subject_list, name="subjects"),
    path("subjects/<int:subject_id>/", subjects_views.subject_detail, name="subject"),
    path("subjects/<int:subject_id>/archive/", subjects_views.subject_archive, name="subject_archive"),
    path("scale/", views.scale_view, name="scale"),
    path("crosswalks/", views.crosswalk_list, name="crosswalks"),
    path("crosswalks/new/", views.crosswalk_publish, name="crosswalk_publish"),
    path("crosswalks/<int:crosswalk_id>/", views.crosswalk_detail, name="crosswalk_detail"),
    path("crosswalks/drops/<slug:drop_slug>/", views.crosswalk_drop, name="crosswalk_drop"),
]
