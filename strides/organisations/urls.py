from django.urls import path

from strides.organisations import views

app_name = "organisations"
urlpatterns = [
    path("", views.school_list, name="school_list"),
    path("<str:urn>/", views.school_detail, name="school_detail"),
]
