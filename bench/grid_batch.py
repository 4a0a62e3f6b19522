"""Benchmark inside bench/grid_load.py: a class's 84 cells saved one request each, as grid.js
did before issue 8, against the same 84 cells in one request to the batch endpoint, as grid.js
sends what queued while a save was on its way (and what is unsaved as the page goes).

Both run in the same run against the same server, one after the other, each for its own teacher
and class (fresh cells, version 0, the same kind of typed codes), with nobody else saving: the
ratio is what batching saves a teacher whose typing outruns the network. Every answer is checked
to be ``saved``; the versions returned are kept, so the load that follows changes these cells
against them.
"""

from __future__ import annotations

import http.client
import json
import time
import urllib.parse
from typing import Any

CELLS = 84  # 28 pupils x 3 subjects: a class's grid


def _headers(teacher: Any, content_type: str) -> dict[str, str]:
    return {
        "Cookie": teacher.cookies(),
        "X-CSRFToken": teacher.csrf_token,
        "Content-Type": content_type,
        "Accept": "application/json",
    }


def _code(typed_code: Any, n: int, nc_year: int | None) -> str:
    # one step along from what the load types in the same cell, so the load's saves change it
    return typed_code(n + 1, nc_year)


def one_by_one(port: int, teacher: Any, typed_code: Any) -> float:
    """Seconds for CELLS saves, one request each, in turn on one keep-alive connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    began = time.perf_counter()
    try:
        for n, (pupil, subject, nc_year) in enumerate(teacher.cells[:CELLS]):
            body = urllib.parse.urlencode(
                {"pupil": pupil, "subject": subject, "value": _code(typed_code, n, nc_year), "version": 0}
            )
            connection.request(
                "POST",
                teacher.save_path,
                body=body,
                headers=_headers(teacher, "application/x-www-form-urlencoded"),
            )
            response = connection.getresponse()
            answer = json.loads(response.read())
            if response.status != 200 or answer.get("status") != "saved":
                raise RuntimeError(
                    f"a single save answered {response.status}: {answer.get('message', '')[:120]}"
                )
            teacher.versions[(pupil, subject)] = answer["version"]
    finally:
        connection.close()
    return time.perf_counter() - began


def one_batch(port: int, teacher: Any, typed_code: Any) -> float:
    """Seconds for the same CELLS saves in one request to the batch endpoint."""
    cells = teacher.cells[:CELLS]
    body = json.dumps(
        {
            "cells": [
                {"pupil": pupil, "subject": subject, "value": _code(typed_code, n, nc_year), "version": 0}
                for n, (pupil, subject, nc_year) in enumerate(cells)
            ]
        }
    )
    path = teacher.save_path.replace("/save/", "/save-batch/")
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    began = time.perf_counter()
    try:
        connection.request("POST", path, body=body, headers=_headers(teacher, "application/json"))
        response = connection.getresponse()
        answer = json.loads(response.read())
    finally:
        connection.close()
    took = time.perf_counter() - began
    results = answer.get("results", [])
    if response.status != 200 or [r.get("status") for r in results] != ["saved"] * len(cells):
        problems = [r.get("message", "") for r in results if r.get("status") != "saved"][:3]
        raise RuntimeError(f"the batch answered {response.status}: {problems or answer.get('message', '')}")
    for (pupil, subject, _), result in zip(cells, results, strict=True):
        teacher.versions[(pupil, subject)] = result["version"]
    return took


def compare(
    port: int, singles: Any, batched: Any, typed_code: Any
) -> tuple[list[tuple[str, str]], dict[str, float]]:
    """Rows of (label, figure) for the report and the figures by name."""
    single = one_by_one(port, singles, typed_code)
    batch = one_batch(port, batched, typed_code)
    ratio = single / batch

    def took(seconds: float) -> str:
        return f"{seconds * 1000:,.0f} ms ({seconds / CELLS * 1000:.1f} ms a cell)"

    rows = [
        (f"{CELLS} cells saved one request each (one teacher, in turn)", took(single)),
        (f"the same {CELLS} cells in one batch request", took(batch)),
        (f"ratio {CELLS} single saves / one batch of {CELLS}", f"**{ratio:.1f}×**"),
    ]
    figures = {
        "grid_84_single_ms": single * 1000,
        "grid_84_batch_ms": batch * 1000,
        "grid_batch_ratio": ratio,
    }
    return rows, figures
