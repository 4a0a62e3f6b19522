from django.urls import path

from strides.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.search, name="search"),
    path("sign-ins/", views.sign_ins, name="sign_ins"),
]
