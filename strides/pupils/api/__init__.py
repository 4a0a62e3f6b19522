"""The pupils and enrolments API (``/api/v1/pupils/``, ``/api/v1/enrolments/``): reads through the
scoping gate, writes through ``strides.pupils.services``. Routed from ``strides/api/urls.py``;
see docs/api.md."""
