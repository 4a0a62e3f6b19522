"""Dashboards and the analytics API: loading judgements into Polars frames, deciding what each
user may see of them, and the pages and endpoints built on that. The measures themselves live in
``strides.analytics``, which knows nothing of Django."""
