from django.urls import path

from strides.pupils import sen_views, views

app_name = "pupils"
urlpatterns = [
    path("search/", views.search, name="search"),
    path("<int:pupil_id>/", views.profile, name="profile"),
    path("<int:pupil_id>/details/", views.edit_details, name="edit_details"),
    path("<int:pupil_id>/characteristics/", views.change_characteristics, name="change_characteristics"),
    path("<int:pupil_id>/sen/", views.change_sen, name="change_sen"),
    path("<int:pupil_id>/enrolments/add/", views.add_enrolment, name="add_enrolment"),
    path("enrolments/<int:enrolment_id>/end/", views.end_enrolment, name="end_enrolment"),
    path("sen-changes/", sen_views.sen_changes, name="sen_changes"),
    path("sen-changes/all/", sen_views.decide_all, name="sen_changes_decide_all"),
    path("sen-changes/<int:sen_change_id>/", sen_views.decide, name="sen_change_decide"),
]
