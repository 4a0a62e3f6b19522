"""A dashboard whose figures are not ready (the trust's frame is not in this process's memory: the
first page after new data or a restart) answers at once with its shell and a progress indicator,
which fetches the figures with ``?wait=1`` through htmx (no inline script: the CSP allows none);
without JavaScript a link does the same. Once the frame is in memory the page comes whole."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from strides.dashboards import memo
from strides.dashboards.frames import forget_observations

pytestmark = pytest.mark.django_db

TRUST = "/dashboards/trust/"


@pytest.fixture(autouse=True)
def memo_on(settings, monkeypatch):
    """As in a deployment: the memo on (tests turn it off), the frame cache empty, and the
    autumn drop's collection over (the pages' default drop)."""
    from strides.dashboards import queries

    monkeypatch.setattr(queries, "today", lambda: dt.date.max)
    settings.STRIDES_DASHBOARD_MEMO = True
    memo.forget()
    forget_observations()
    yield
    memo.forget()
    forget_observations()


def shell(response) -> str:
    """The shell's address for the figures, checked to be a progress indicator a screen reader
    hears and a keyboard reaches, loaded by htmx attributes and no inline script; status 202
    (Accepted), so a client can tell it from the page."""
    assert response.status_code == 202
    page = response.content.decode()
    body = re.search(r'<div id="dashboard-body"[^>]*>', page)
    assert body, "no dashboard body"
    attributes = body.group(0)
    assert 'aria-busy="true"' in attributes and 'hx-trigger="load"' in attributes
    assert 'hx-select="#dashboard-body"' in attributes and 'hx-swap="outerHTML"' in attributes
    url = re.search(r'hx-get="([^"]+)"', attributes).group(1).replace("&amp;", "&")
    assert "wait=1" in url
    assert '<p role="status"><progress aria-labelledby="dashboard-loading-text">' in page
    assert "Working out the figures" in page
    assert f'<a href="{url.replace("&", "&amp;")}">open the figures</a>' in page  # without JavaScript
    # every script is a file (the CSP's script-src 'self'): none inline
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", page)
    assert 'id="table-' not in page and "tables" not in response.context
    return url


def test_the_first_trust_page_shows_progress_then_the_figures(history, client_for):
    client = client_for(history.analyst)
    url = shell(client.get(TRUST + "?subject=maths"))
    assert url.startswith(TRUST) and "subject=maths" in url

    filled = client.get(url, HTTP_HX_REQUEST="true")  # what htmx fetches
    assert filled.status_code == 200
    text = filled.content.decode()
    assert '<div id="dashboard-body">' in text and 'id="table-attainment"' in text
    assert filled.context["selection"].subject.code == "maths"
    assert "wait=1" not in filled.context["export_query"]  # exports and links keep the filters only

    again = client.get(TRUST)  # the frame is in memory now: the page comes whole
    assert 'id="table-attainment"' in again.content.decode() and "aria-busy" not in again.content.decode()


def test_the_first_school_page_shows_progress_and_keeps_the_gate(history, client_for, settings):
    h = history
    path = f"/dashboards/schools/{h.north.urn}/"
    url = shell(client_for(h.head).get(path))
    assert 'id="table-attainment"' in client_for(h.head).get(url).content.decode()
    forget_observations()
    # a school outside the user's reach is refused before anything else, shell or not
    assert client_for(h.head).get(f"/dashboards/schools/{h.oak.urn}/").status_code == 404


def test_exports_never_get_the_shell(history, client_for):
    response = client_for(history.analyst).get(TRUST + "?export=xlsx&table=attainment")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
