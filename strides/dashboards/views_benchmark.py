"""The similar-learner benchmark page, ``/dashboards/benchmark/``, for trust admins and analysts:
what every pupil's progress percentile is compared with now (the trust's own pool or an uploaded
table), uploading an external benchmark CSV, going back to the trust's pool, and the trust's pool
as CSV in the same format (``/dashboards/benchmark/trust-pool.csv``). Writes go through
:mod:`strides.dashboards.services` (atomic, audited; a bad file is refused whole, naming its row,
field and value), as the API's ``/api/v1/analytics/benchmark/`` and ``strides import-benchmark``
do. See docs/dashboards.md."""

from __future__ import annotations

from typing import Any

import polars as pl
from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from strides.access.rules import AccessRule, access_rule
from strides.analytics import ANY_NEED, BenchmarkError, benchmark_csv
from strides.dashboards.frames import POOL_YEARS
from strides.dashboards.models import ExternalBenchmark
from strides.dashboards.queries import AnalyticsView
from strides.dashboards.services import (
    BENCHMARK_CAPABILITY,
    BenchmarkImportError,
    import_benchmark,
    may_manage_benchmark,
    use_trust_pool,
)
from strides.organisations.models import Trust

BENCHMARK_RULE = AccessRule(
    BENCHMARK_CAPABILITY,
    description="the trust's similar-learner benchmark: trust admins and analysts",
)
EARLIER_SHOWN = 10


class BenchmarkUploadForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=120,
        help_text="What the table is, for example “National 2022-2025”: pages show it beside percentiles.",
        error_messages={"required": "Give the benchmark a name, so people know what they are compared with."},
    )
    source = forms.CharField(
        label="Where it came from", max_length=300, required=False, help_text="For the record."
    )
    file = forms.FileField(
        label="Benchmark table (CSV)",
        help_text="UTF-8 CSV with a header row and the columns subject, phase, start_point, "
        "primary_need (“*” for any need), gained, pupils: the format of the trust's pool below.",
        error_messages={"required": "Choose the CSV file to upload."},
    )


def _trust(request: HttpRequest) -> tuple[Trust, AnalyticsView]:
    """The user's trust, if they choose its benchmark; 404 otherwise, exactly like missing."""
    view = AnalyticsView(request.user)
    trust = Trust.objects.filter(pk=view.trust_id).first()
    if trust is None or not may_manage_benchmark(request.user, trust):
        raise Http404("Not found")
    return trust, view


def _pool_pupils(table: pl.DataFrame) -> int:
    """Pupils in a benchmark table: its any-need cells (each pupil is in one of them)."""
    if table.is_empty():
        return 0
    return int(table.filter(pl.col("primary_need") == ANY_NEED).get_column("pupils").sum() or 0)


def _refusal(error: BenchmarkImportError) -> dict[str, Any] | None:
    """The row, field and value of a refused file, for the table under the error summary."""
    cause = error.__cause__
    if not isinstance(cause, BenchmarkError) or cause.row is None:
        return None
    return {
        "row": cause.row,
        "field": cause.field or "",
        "value": cause.value or "",
        "message": cause.message,
    }


@access_rule(BENCHMARK_RULE)
@require_http_methods(["GET", "POST"])
def benchmark(request: HttpRequest) -> HttpResponse:
    trust, view = _trust(request)
    form = BenchmarkUploadForm()
    refusal = None
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "trust-pool":
            if use_trust_pool(request.user, trust):
                messages.success(request, "Percentiles compare with the trust's own pupils again.")
            return redirect("dashboards:benchmark")
        form = BenchmarkUploadForm(request.POST, request.FILES)
        status = 400
        if action != "upload":
            form.add_error(None, "Choose what to do: upload a table, or go back to the trust's pool.")
        elif form.is_valid():
            upload = form.cleaned_data["file"]
            limit = settings.STRIDES_MAX_IMPORT_BYTES
            try:
                created = import_benchmark(
                    request.user,
                    trust,
                    filename=upload.name,
                    data=upload.read(limit + 1),
                    name=form.cleaned_data["name"],
                    source=form.cleaned_data["source"],
                )
            except BenchmarkImportError as error:
                form.add_error("file", str(error))
                refusal = _refusal(error)
            else:
                messages.success(
                    request,
                    f"Percentiles now compare with “{created.name}”: {created.cells:,} rows, "
                    f"{created.pupils:,} pupils.",
                )
                return redirect("dashboards:benchmark")

    source = view.pool_source()
    current = (
        ExternalBenchmark.objects.filter(trust=trust, in_use=True).select_related("uploaded_by").first()
        if source is not None and source.external
        else None
    )
    earlier = list(
        ExternalBenchmark.objects.filter(trust=trust, in_use=False)
        .select_related("uploaded_by")
        .defer("content")[:EARLIER_SHOWN]
    )
    # the trust's own pool: what percentiles compare with when no table is in use (and is cached
    # then); worked out afresh while an uploaded table is in use
    pool = view.trust_pool() if current is not None else view.benchmark()
    context = {
        "trust": trust,
        "source": source,
        "current": current,
        "earlier": earlier,
        "pool_rows": pool.height,
        "pool_pupils": _pool_pupils(pool),
        "pool_years": POOL_YEARS,
        "form": form,
        "refusal": refusal,
        "manages_benchmark": True,
        "breadcrumbs": [
            ("Home", reverse("web:home")),
            ("Trust dashboard", reverse("dashboards:trust")),
            ("Similar-learner benchmark", ""),
        ],
    }
    return render(request, "dashboards/benchmark.html", context, status=status)


@access_rule(BENCHMARK_RULE)
@require_http_methods(["GET"])
def trust_pool_csv(request: HttpRequest) -> HttpResponse:
    """The trust's own pool as CSV, in the format an upload takes (``benchmark_csv``)."""
    trust, view = _trust(request)
    response = HttpResponse(benchmark_csv(view.trust_pool()), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{trust.slug}-similar-learner-pool.csv"'
    return response
