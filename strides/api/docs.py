"""The API's own description: the OpenAPI schema and a browsable page for it.

The page is Swagger UI from ``drf-spectacular-sidecar`` (served from our static files, never a
CDN). drf-spectacular's own page puts a script and a style block inline, which our
Content-Security-Policy forbids, so this page is our template plus a static start-up script.
"""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.middleware.csrf import get_token
from django.urls import reverse
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularAPIView
from rest_framework import routers
from rest_framework.renderers import JSONRenderer

from strides.access.rules import SIGNED_IN
from strides.api.errors import api_exception_handler
from strides.api.parameters import CheckedParametersMixin
from strides.api.permissions import AccessRulePermission


class SchemaView(CheckedParametersMixin, SpectacularAPIView):
    """The OpenAPI 3 schema (YAML, or JSON with ``?format=json``)."""

    access = SIGNED_IN
    query_parameters = ("format", "lang")  # the schema leaves itself out
    permission_classes = [AccessRulePermission]

    def get_exception_handler(self):
        return api_exception_handler


class DocsView(TemplateView):
    """Swagger UI for the schema. Signed-in people use it with their session (or a token)."""

    access = SIGNED_IN
    template_name = "api/docs.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["schema_url"] = reverse("api:schema")
        context["csrf_token_value"] = get_token(self.request)
        return context


class ApiRootView(CheckedParametersMixin, routers.APIRootView):
    """The list of the API's collections at ``/api/v1/``."""

    access = SIGNED_IN
    permission_classes = [AccessRulePermission]
    renderer_classes = [JSONRenderer]  # see StridesApiMixin: no browsable HTML under our CSP

    def get_exception_handler(self):
        return api_exception_handler


class Router(routers.DefaultRouter):
    APIRootView = ApiRootView
    # no ``.json`` suffix routes: one URL per resource, and every URL kwarg is ``pk``
    include_format_suffixes = False
