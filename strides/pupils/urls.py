from django.urls import path

from strides.pupils import views

app_name = "pupils"
urlpatterns = [
    path("search/", views.search, name="search"),
    path("<int:pupil_id>/", views.profile, name="profile"),
    path("<int:pupil_id>/details/", views.edit_details, name="edit_details"),
    path("<int:pupil_id>/characteristics/", views.change_characteristics, name="change_characteristics"),
    path("<int:pupil_id>/sen/", views.change_sen, name="change_sen"),
    path("<int:pupil_id>/enrolments/add/", views.add_enrolment, name="add_enrolment"),
    path("enrolments/<int:enrolment_id>/end/", views.end_enrolment, name="end_enrolment"),
]
