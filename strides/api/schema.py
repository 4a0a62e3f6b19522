"""drf-spectacular extensions: how the schema describes Strides' token authentication."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "strides.accounts.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "str_…",
            "description": "A personal API token: `Authorization: Bearer str_…`. "
            "Make one in Strides (your account, API tokens) or with `strides api-token USERNAME`.",
        }
