from django.urls import path

from strides.classes import manage_views as views

app_name = "classes_manage"
urlpatterns = [
    path("", views.class_index, name="index"),
    path("schools/<str:urn>/", views.school_classes, name="school"),
    path("schools/<str:urn>/new/", views.class_create, name="create"),
    path("<int:group_id>/edit/", views.class_edit, name="edit"),
    path("<int:group_id>/pupils/", views.class_pupils, name="pupils"),
    path("<int:group_id>/staff/", views.class_staff, name="staff"),
    path("<int:group_id>/staff/<int:staff_id>/remove/", views.staff_remove, name="staff_remove"),
]
