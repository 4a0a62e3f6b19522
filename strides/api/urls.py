from django.urls import include, path

from strides.api import views
from strides.api.docs import DocsView, Router, SchemaView

app_name = "api"

router = Router()
router.register("schools", views.SchoolViewSet, basename="school")
router.register("pupils", views.PupilViewSet, basename="pupil")
router.register("enrolments", views.EnrolmentViewSet, basename="enrolment")
router.register("classes", views.ClassViewSet, basename="class")

urlpatterns = [
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", DocsView.as_view(), name="docs"),
    path("", include(router.urls)),
]
