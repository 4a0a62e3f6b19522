"""The schools API (``/api/v1/schools/``): schools in the caller's scope, read only. Routed from
``strides/api/urls.py``; see docs/api.md."""
