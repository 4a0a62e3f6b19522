"""Small steps' pages (docs/small-steps.md). The framework pages are in ``framework_urls``."""

from django.urls import include, path

from strides.steps import analysis_views, conversation_views, drop_views, pupil_views, record_views

app_name = "steps"
urlpatterns = [
    path("", record_views.home, name="home"),
    path("frameworks/", include("strides.steps.framework_urls")),
    path("classes/<int:group_id>/", record_views.class_grid, name="grid"),
    path("classes/<int:group_id>/save/", record_views.grid_save, name="grid_save"),
    path("classes/<int:group_id>/group/", record_views.record_group, name="group"),
    path("classes/<int:group_id>/delegate/", record_views.delegate, name="delegate"),
    path("pupils/<int:pupil_id>/", pupil_views.pupil_page, name="pupil"),
    path("pupils/<int:pupil_id>/record/", pupil_views.pupil_record, name="pupil_record"),
    path("pupils/<int:pupil_id>/observe/", pupil_views.observe, name="observe"),
    path("pupils/<int:pupil_id>/manage/", pupil_views.manage_pupil, name="pupil_manage"),
    path("schools/<str:urn>/conversations/", conversation_views.school_conversations, name="conversations"),
    path("schools/<str:urn>/analysis/", analysis_views.analysis, name="analysis"),
    path("analysis/", analysis_views.trust_analysis, name="trust_analysis"),
    path("conversations/<int:conversation_id>/", conversation_views.conversation, name="conversation"),
    path("thresholds/", conversation_views.thresholds, name="thresholds"),
    path("drops/<slug:drop_slug>/schools/<str:urn>/", drop_views.from_steps, name="drop_from_steps"),
]
