"""API v1 (``/api/v1/``): the schema, its browsable page, and every app's collections.

Each app's endpoints live in its own ``api/`` package (docs/adding-an-app.md) and are registered
here, so the API root lists them all.
"""

from django.urls import include, path

from strides.api.docs import DocsView, Router, SchemaView
from strides.classes.api.classes import ClassViewSet
from strides.organisations.api.schools import SchoolViewSet
from strides.pupils.api.enrolments import EnrolmentViewSet
from strides.pupils.api.pupils import PupilViewSet
from strides.steps.api.conversations import ConversationViewSet
from strides.steps.api.frameworks import StepFrameworkViewSet
from strides.steps.api.observations import EngagementObservationViewSet
from strides.steps.api.progress import StepProgressViewSet
from strides.steps.api.records import AchievementRecordViewSet

app_name = "api"

router = Router()
router.register("schools", SchoolViewSet, basename="school")
router.register("pupils", PupilViewSet, basename="pupil")
router.register("enrolments", EnrolmentViewSet, basename="enrolment")
router.register("classes", ClassViewSet, basename="class")
router.register("step-frameworks", StepFrameworkViewSet, basename="step-framework")
router.register("achievement-records", AchievementRecordViewSet, basename="achievement-record")
router.register("engagement-observations", EngagementObservationViewSet, basename="engagement-observation")
router.register("step-progress", StepProgressViewSet, basename="pupil-step-progress")
router.register("step-conversations", ConversationViewSet, basename="step-conversation")

urlpatterns = [
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", DocsView.as_view(), name="docs"),
    path("", include(router.urls)),
]
