"""The assessment API (``/api/v1/``): subjects, frameworks, the common scale and its crosswalks,
data drops with their status and completeness, and judgements (read and write, with the
lost-update check). Reads go through the scoping gate (:mod:`strides.assessment.api.scope`);
writes go through :mod:`strides.assessment.services`. See docs/api.md.
"""
