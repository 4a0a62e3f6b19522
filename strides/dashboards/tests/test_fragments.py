"""The tables' and charts' HTML written in Python (``strides.dashboards.fragments``): escaped as the
template engine escapes, suppressed figures in words, the spec unable to close its element, and
kept per page filters and threshold."""

from __future__ import annotations

import json
import re

from strides.dashboards.charts import Figure
from strides.dashboards.fragments import figure_html, table_html
from strides.dashboards.tables import COUNT, PERCENT, Column, Table


def table() -> Table:
    return Table(
        "attainment",
        "Attainment <by> school",
        [
            Column("school", "School", row_header=True, link="url"),
            Column("n", "Pupils (n)", COUNT),
            Column("pct", "% at expected", PERCENT),
        ],
        [
            {"school": "<script>alert('x')</script> & Co", "url": "/s/1/?a=1&b=2", "n": 1200, "pct": 61.25},
            {"school": "Small", "url": "/s/2/", "n": None, "pct": None, "suppressed": True},
        ],
        note="Groups of fewer than 6 <pupils>.",
    )


def test_a_table_is_escaped_and_says_suppressed_figures_in_words(settings):
    settings.STRIDES_SMALL_GROUP_THRESHOLD = 6
    html = str(table_html(table(), "drop=a&subject=b"))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; Co" in html
    assert '<th scope="row"><a href="/s/1/?a=1&amp;b=2">' in html
    assert '<td class="num">1,200</td><td class="num">61.2%</td>' in html
    assert '<td class="num"><span class="suppressed">suppressed (fewer than 6)</span></td>' in html
    assert '<caption id="table-attainment-caption">Attainment &lt;by&gt; school</caption>' in html
    assert '<th scope="col" class="num">Pupils (n)</th>' in html and '<th scope="col">School</th>' in html
    assert '<p class="muted small">Groups of fewer than 6 &lt;pupils&gt;.</p>' in html
    assert 'href="?drop=a&amp;subject=b&amp;export=xlsx&amp;table=attainment" download' in html


def test_an_empty_table_says_so_and_offers_no_download():
    empty = Table("gaps", "Gaps", [Column("group", "Group"), Column("n", "n", COUNT)], [], empty="None here.")
    html = str(table_html(empty))
    assert '<tr><td colspan="2">None here.</td></tr>' in html
    assert "export=xlsx" not in html


def test_the_markup_is_kept_per_filters_and_threshold(settings):
    settings.STRIDES_SMALL_GROUP_THRESHOLD = 6
    shown = table()
    first = table_html(shown, "drop=a")
    assert table_html(shown, "drop=a") is first  # kept: the same object
    assert "drop=b&amp;export" in table_html(shown, "drop=b")
    settings.STRIDES_SMALL_GROUP_THRESHOLD = 10
    assert "suppressed (fewer than 10)" in table_html(shown, "drop=a")


def test_a_chart_spec_cannot_close_its_element_and_reads_back_whole():
    spec = {"title": "A </script><b>", "description": "Bars & lines", "data": {"values": [{"s": "“é”"}]}}
    html = str(figure_html(Figure(spec, table()), ""))
    element = r'<script id="chart-attainment-spec" type="application/json">(.*?)</script>'
    match = re.search(element, html, re.S)
    assert match and "</script><b>" not in match.group(1)
    assert json.loads(match.group(1)) == spec
    assert '<span class="chart__title" id="chart-attainment-title">A &lt;/script&gt;&lt;b&gt;</span>' in html
    assert 'data-chart="chart-attainment-spec"' in html and 'id="table-attainment"' in html
    assert str(figure_html(None)) == ""
