"""API v1 routes for subjects, frameworks, the common scale, crosswalks, drops and judgements.

A plain router: the API root at /api/v1/ is ``strides.api``'s. Router routes take ``pk`` (drops:
``drop_slug``); a school's part of a drop is ``drops/<drop_slug>/schools/<urn>/``.
"""

from django.urls import include, path
from rest_framework import routers

from strides.assessment.api import judgements, views

app_name = "assessment_api"

router = routers.SimpleRouter()
router.include_format_suffixes = False
router.register("subjects", views.SubjectViewSet, basename="subject")
router.register("frameworks", views.FrameworkViewSet, basename="framework")
router.register("crosswalks", views.CrosswalkViewSet, basename="crosswalk")
router.register("drops", views.DropViewSet, basename="drop")
router.register("judgements", judgements.JudgementViewSet, basename="judgement")

part = "drops/<slug:drop_slug>/schools/<str:urn>/"

urlpatterns = [
    path("common-scale/", views.CommonScaleView.as_view(), name="common-scale"),
    path(part, views.DropSchoolView.as_view(), name="drop-school"),
    path(part + "submit/", views.SubmitView.as_view(), name="drop-school-submit"),
    path(part + "lock/", views.LockView.as_view(), name="drop-school-lock"),
    path(part + "reopen/", views.ReopenView.as_view(), name="drop-school-reopen"),
    path("", include(router.urls)),
]
