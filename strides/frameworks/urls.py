"""Framework pages, mounted at /frameworks/. Access rules and who may do what:
strides/frameworks/page_helpers.py; one view module per area (``*_views.py``). One drop's
crosswalk difference, /frameworks/crosswalks/drops/<slug>/, is assessment's
(``strides.assessment.crosswalk_urls``, namespace ``crosswalk_drops``)."""

from django.urls import path

from strides.frameworks import (
    assignments_views,
    bespoke_views,
    crosswalks_views,
    library_views,
    scale_views,
    subjects_views,
)

app_name = "frameworks"
urlpatterns = [
    path("", library_views.framework_list, name="list"),
    path("new/", bespoke_views.framework_create, name="create"),
    path("from-spreadsheet/", bespoke_views.framework_import, name="import"),
    path("from-spreadsheet/template.csv", bespoke_views.import_template, name="import_template"),
    path("<int:framework_id>/", library_views.framework_detail, name="detail"),
    path("schools/<str:urn>/", assignments_views.school_assignments, name="assignments"),
    path("subjects/", subjects_views.subject_list, name="subjects"),
    path("subjects/<int:subject_id>/", subjects_views.subject_detail, name="subject"),
    path("subjects/<int:subject_id>/archive/", subjects_views.subject_archive, name="subject_archive"),
    path("scale/", scale_views.scale_view, name="scale"),
    path("crosswalks/", crosswalks_views.crosswalk_list, name="crosswalks"),
    path("crosswalks/new/", crosswalks_views.crosswalk_publish, name="crosswalk_publish"),
    path("crosswalks/<int:crosswalk_id>/", crosswalks_views.crosswalk_detail, name="crosswalk_detail"),
]
