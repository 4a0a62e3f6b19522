from django.urls import path

from strides.classes import views

app_name = "classes"
urlpatterns = [
    path("<int:group_id>/", views.class_detail, name="class_detail"),
]
