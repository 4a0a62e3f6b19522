from django.urls import path

from strides.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.upload, name="upload"),
    path("template.csv", views.template, name="template"),
    path("<int:batch_id>/", views.batch, name="batch"),
    path("<int:batch_id>/import/", views.commit, name="commit"),
    path("<int:batch_id>/progress/", views.progress, name="progress"),
]
