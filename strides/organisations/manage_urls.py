from django.urls import path

from strides.organisations import manage_views as views

app_name = "organisations_manage"
urlpatterns = [
    path("", views.school_list, name="list"),
    path("new/", views.school_create, name="create"),
    path("years/", views.year_list, name="years"),
    path("years/<int:year_id>/", views.year_terms, name="year_terms"),
    path("rollover/", views.rollover_index, name="rollover_index"),
    path("<str:urn>/", views.school_detail, name="detail"),
    path("<str:urn>/edit/", views.school_edit, name="edit"),
    path("<str:urn>/officers/", views.officer_assign, name="officer_assign"),
    path("<str:urn>/officers/<int:officer_id>/remove/", views.officer_unassign, name="officer_unassign"),
    path("<str:urn>/years/<int:year_id>/terms/", views.school_terms, name="school_terms"),
    path("<str:urn>/rollover/", views.rollover, name="rollover"),
]
