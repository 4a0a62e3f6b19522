from django.urls import include, path

urlpatterns = [
    path("", include("strides.web.urls")),
    path("accounts/", include("strides.accounts.urls")),
    path("schools/", include("strides.organisations.urls")),
    path("pupils/", include("strides.pupils.urls")),
    path("classes/", include("strides.classes.urls")),
    path("imports/", include("strides.imports.urls")),
    path("assessment/", include("strides.assessment.urls")),
    path("frameworks/", include("strides.frameworks.urls")),
    path("frameworks/", include("strides.assessment.crosswalk_urls")),  # one drop's crosswalk difference
    path("steps/", include("strides.steps.urls")),
    path("audit/", include("strides.audit.urls")),
    path("dashboards/", include("strides.dashboards.urls")),
    path("manage/schools/", include("strides.organisations.manage_urls")),
    path("manage/users/", include("strides.accounts.manage_urls")),
    path("manage/classes/", include("strides.classes.manage_urls")),
    path("api/v1/", include("strides.api.urls")),
    path("api/v1/", include("strides.assessment.api_urls")),
    path("api/v1/", include("strides.dashboards.api_urls")),
]

handler403 = "strides.web.views.forbidden"
handler404 = "strides.web.views.not_found"
handler500 = "strides.web.views.server_error"
