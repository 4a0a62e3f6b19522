"""The analytics API: /api/v1/analytics/attainment/, progress/, similar-learners/, gaps/,
transitions/ and attention/ (a package with a module by resource, as every app's ``api/``).

Every view gets its rows from :class:`~strides.dashboards.queries.AnalyticsView` (so from the
scoping gate) and computes them with ``strides.analytics``. Aggregate endpoints (attainment,
similar learners, gaps, transitions) need ``VIEW_AGGREGATES`` and give every row its ``n`` and
``suppressed``: for governors and directors small groups, and those that would give them away by
subtraction, come back with ``n`` and every figure null. Pupil endpoints (progress, attention)
list only the pupils the caller sees by name (as /api/v1/pupils/ does): a parent their child, a
teacher their classes; governors and directors get an empty list, so never a pupil id.

Filters are query parameters: ``school`` (URN; a school outside your scope answers 404, as if
missing), ``subject`` (code), ``drop`` (slug; default the latest drop with data you can see),
``group`` (a group dimension to compare pupils by, as ``?group=`` on the pages; each row names it
in ``dimension`` and its value in ``group``). A parameter an endpoint does not take is a 400
naming it (``strides.api.parameters``). Answers are pages: ``count``, ``next``, ``previous``,
``results`` (``page``, ``page_size`` up to 5000), with what was asked for alongside.

``/api/v1/analytics/benchmark/`` is what similar-learner percentiles compare with: trust admins
and analysts read it, upload an external benchmark table (CSV, ``POST``) and go back to the
trust's own pool (``DELETE``), through ``strides.dashboards.services`` (audited).

Modules: :mod:`.serializers` (the answers and parameters in the schema), :mod:`.endpoint` (the
filters, rows, suppression and pages every endpoint shares), :mod:`.aggregates` (attainment,
similar learners, gaps, transitions), :mod:`.pupils` (progress, attention) and :mod:`.benchmark`.
Routes: ``strides/dashboards/api_urls.py``.
"""
