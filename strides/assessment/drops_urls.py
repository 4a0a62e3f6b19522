"""The assessment calendar, drop boards, transitions and baselines (``strides.assessment.drops_views``)."""

from django.urls import path

from strides.assessment import drops_views as views

urlpatterns = [
    path("drops/", views.drop_list, name="drop_list"),
    path("drops/new/", views.drop_create, name="drop_create"),
    path("drops/defaults/", views.drop_create_defaults, name="drop_create_defaults"),
    path("drops/<slug:drop_slug>/", views.drop_detail, name="drop_detail"),
    path("drops/<slug:drop_slug>/schools/<str:urn>/", views.school_board, name="school_board"),
    path("drops/<slug:drop_slug>/schools/<str:urn>/submit/", views.drop_submit, name="drop_submit"),
    path("drops/<slug:drop_slug>/schools/<str:urn>/lock/", views.drop_lock, name="drop_lock"),
    path("drops/<slug:drop_slug>/schools/<str:urn>/reopen/", views.drop_reopen, name="drop_reopen"),
    path("baselines/", views.baselines, name="baselines"),
    path("baselines/schools/<str:urn>/drop/", views.baseline_drop_create, name="baseline_drop_create"),
]
