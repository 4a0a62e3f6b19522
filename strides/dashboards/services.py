"""Writes of the dashboards app: the trust's external benchmark table. Atomic and audited."""

from __future__ import annotations

import polars as pl
from django.conf import settings
from django.db import transaction

from strides.access.actor import Actor, Viewer
from strides.access.gate import scope_for
from strides.accounts.roles import Capability
from strides.analytics import ANY_NEED, BenchmarkError, read_benchmark_csv
from strides.audit.models import AuditAction
from strides.audit.services import record
from strides.dashboards.models import ExternalBenchmark
from strides.organisations.models import Trust

# Choosing what every pupil's percentile is compared with is a trust decision, taken by whoever
# looks after the common scale (trust admins and analysts).
BENCHMARK_CAPABILITY = Capability.MANAGE_CROSSWALK


class BenchmarkImportError(ValueError):
    """A refused benchmark file; the message names the row, field and value and is for the user."""


def may_manage_benchmark(actor: Viewer, trust: Trust) -> bool:
    """Trust admins and analysts of ``trust``; ``None`` is the server's operator (``strides
    import-benchmark`` on the command line), who may too."""
    if actor is None:
        return True
    scope = scope_for(actor)
    return trust.pk in scope.trust_ids and None in scope.capabilities.get(str(BENCHMARK_CAPABILITY), ())


def manages_benchmark(actor: Viewer) -> bool:
    """Whether the user chooses the benchmark of their trust (no query: the scope is cached), so
    the dashboards link to the benchmark page."""
    return None in scope_for(actor).capabilities.get(str(BENCHMARK_CAPABILITY), ())


def _require(actor: Viewer, trust: Trust) -> None:
    if not may_manage_benchmark(actor, trust):
        raise PermissionError("Only the trust's admins and analysts choose the benchmark.")


def _user(actor: Actor | None) -> Actor | None:
    return actor if getattr(actor, "pk", None) else None


@transaction.atomic
def import_benchmark(
    actor: Actor,
    trust: Trust,
    *,
    filename: str,
    data: bytes,
    name: str,
    source: str = "",
    dry_run: bool = False,
) -> ExternalBenchmark:
    """Check an uploaded benchmark CSV and put it in use for the trust (the one in use before is
    kept, no longer in use). A bad file is refused whole, naming its first bad row. ``dry_run``:
    every check, and the benchmark it would make returned unsaved (``pk`` None); nothing written."""
    _require(actor, trust)
    name = name.strip()
    if not name:
        raise BenchmarkImportError("Give the benchmark a name, so people know what they are compared with.")
    limit = settings.STRIDES_MAX_IMPORT_BYTES
    if len(data) > limit:
        raise BenchmarkImportError(f"{filename} is larger than {limit // (1024 * 1024)} MB.")
    try:
        table = read_benchmark_csv(data)
    except BenchmarkError as error:
        raise BenchmarkImportError(f"{filename}: {error}") from error
    pupils = int(table.filter(pl.col("primary_need") == ANY_NEED).get_column("pupils").sum() or 0)
    if pupils == 0:
        raise BenchmarkImportError(
            f'{filename} has no any-need rows (primary_need "*"): pupils whose own need has too few '
            "others would have nobody to be compared with."
        )
    benchmark = ExternalBenchmark(
        trust=trust,
        name=name[:120],
        source=source.strip()[:300],
        filename=filename[:255],
        content=bytes(data),
        cells=table.height,
        pupils=pupils,
        uploaded_by=_user(actor),
    )
    if dry_run:
        return benchmark
    ExternalBenchmark.objects.select_for_update().filter(trust=trust, in_use=True).update(in_use=False)
    benchmark.save()
    record(
        actor,
        AuditAction.CREATE,
        benchmark,
        after={"name": benchmark.name, "source": benchmark.source, "filename": benchmark.filename,
               "cells": benchmark.cells, "pupils": benchmark.pupils},
        reason="benchmark uploaded and in use",
    )  # fmt: skip
    return benchmark


@transaction.atomic
def use_trust_pool(actor: Actor, trust: Trust) -> int:
    """Stop using any external benchmark: percentiles compare with the trust's own pool again.
    Returns how many benchmarks were in use (0 or 1)."""
    _require(actor, trust)
    changed = 0
    for benchmark in ExternalBenchmark.objects.select_for_update().filter(trust=trust, in_use=True):
        benchmark.in_use = False
        benchmark.save(update_fields=["in_use"])
        record(
            actor,
            AuditAction.UPDATE,
            benchmark,
            before={"in_use": True},
            after={"in_use": False},
            reason="the trust's own pool is used again",
        )
        changed += 1
    return changed
