"""The classes API (``/api/v1/classes/``): classes in the caller's scope with their pupils and
staff; writes through ``strides.classes.services``. Routed from ``strides/api/urls.py``; see
docs/api.md."""
