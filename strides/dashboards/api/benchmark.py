"""``/api/v1/analytics/benchmark/``: what similar-learner percentiles compare with. Trust admins
and analysts read it, upload an external benchmark table (CSV, ``POST``) and go back to the trust's
own pool (``DELETE``), through ``strides.dashboards.services`` (audited)."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from strides.access.rules import AccessRule
from strides.api.serializers import ErrorSerializer, ValidationErrorSerializer
from strides.api.views.common import StridesApiMixin
from strides.dashboards.api.serializers import TAGS
from strides.dashboards.models import ExternalBenchmark
from strides.dashboards.queries import AnalyticsView
from strides.dashboards.services import (
    BENCHMARK_CAPABILITY,
    BenchmarkImportError,
    import_benchmark,
    use_trust_pool,
)
from strides.organisations.models import Trust


class BenchmarkSerializer(serializers.Serializer):
    external = serializers.BooleanField(help_text="True: an uploaded table; false: the trust's own pupils.")
    name = serializers.CharField()
    description = serializers.CharField(help_text="What percentiles compare with, in words.")
    source = serializers.CharField(allow_null=True, help_text="Where an uploaded table came from.")
    filename = serializers.CharField(allow_null=True)
    cells = serializers.IntegerField(allow_null=True, help_text="Rows of the table: cell x points gained.")
    pupils = serializers.IntegerField(allow_null=True, help_text="Pupils in the table's any-need cells.")
    uploaded_by = serializers.CharField(allow_null=True)
    uploaded_at = serializers.DateTimeField(allow_null=True)


class BenchmarkUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="CSV (UTF-8) with the columns subject, phase, start_point, primary_need ('*' for "
        "any need), gained, pupils: see docs/analytics.md."
    )
    name = serializers.CharField(max_length=120, help_text="What the table is, e.g. 'National 2022-2025'.")
    source = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class BenchmarkView(StridesApiMixin, generics.GenericAPIView):
    """What similar-learner percentiles compare with: the trust's own pool, or an uploaded table."""

    access = AccessRule(BENCHMARK_CAPABILITY, description="the trust's benchmark: trust admins and analysts")
    write_capabilities = {"post": (BENCHMARK_CAPABILITY,), "delete": (BENCHMARK_CAPABILITY,)}
    parser_classes = [MultiPartParser, FormParser]
    serializer_class = BenchmarkSerializer
    pagination_class = None
    filter_backends: list = []

    def _trust(self, request: Request) -> Trust:
        view = AnalyticsView(request.user)
        trust = Trust.objects.filter(pk=view.trust_id).first()
        if trust is None:
            raise Http404("Not found")
        return trust

    def _answer(self, trust: Trust, code: int = status.HTTP_200_OK) -> Response:
        from strides.dashboards.frames import pool_source

        source = pool_source(trust.pk)
        current = (
            ExternalBenchmark.objects.filter(trust=trust, in_use=True).select_related("uploaded_by").first()
            if source.external
            else None
        )
        return Response(
            {
                "external": source.external,
                "name": source.name,
                "description": source.description,
                "source": current.source if current else None,
                "filename": current.filename if current else None,
                "cells": current.cells if current else None,
                "pupils": current.pupils if current else None,
                "uploaded_by": str(current.uploaded_by) if current and current.uploaded_by else None,
                "uploaded_at": current.uploaded_at.isoformat() if current else None,
            },
            status=code,
        )

    @extend_schema(
        summary="What similar-learner percentiles compare with",
        tags=TAGS,
        responses={200: BenchmarkSerializer, 403: ErrorSerializer, 404: ErrorSerializer},
    )
    def get(self, request: Request) -> Response:
        return self._answer(self._trust(request))

    @extend_schema(
        summary="Upload an external benchmark table (CSV) and use it",
        tags=TAGS,
        request={"multipart/form-data": BenchmarkUploadSerializer},
        responses={201: BenchmarkSerializer, 400: ValidationErrorSerializer, 403: ErrorSerializer},
    )
    def post(self, request: Request) -> Response:
        trust = self._trust(request)
        form = BenchmarkUploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = form.validated_data["file"]
        limit = settings.STRIDES_MAX_IMPORT_BYTES
        data = upload.read(limit + 1)
        try:
            import_benchmark(
                request.user,
                trust,
                filename=upload.name,
                data=data,
                name=form.validated_data["name"],
                source=form.validated_data["source"],
            )
        except BenchmarkImportError as error:
            raise exceptions.ValidationError({"file": [str(error)]}) from error
        except PermissionError as error:
            raise exceptions.PermissionDenied(str(error)) from error
        return self._answer(trust, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Stop using the uploaded table: compare with the trust's own pupils again",
        tags=TAGS,
        request=None,
        responses={200: BenchmarkSerializer, 403: ErrorSerializer},
    )
    def delete(self, request: Request) -> Response:
        trust = self._trust(request)
        try:
            use_trust_pool(request.user, trust)
        except PermissionError as error:
            raise exceptions.PermissionDenied(str(error)) from error
        return self._answer(trust)
