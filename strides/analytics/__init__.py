"""Strides analytics: pure functions over Polars data frames (no Django), so they run the same on
a school's rows in a web request and on an export of millions of pupils.

Input is the observations frame (:data:`~strides.analytics.schema.OBSERVATION_SCHEMA`); every
output row carries ``n``, the pupils behind the figure. Definitions: docs/analytics.md."""

from strides.analytics.attainment import attainment, distribution, trend
from strides.analytics.attention import REASONS, needing_attention
from strides.analytics.groups import (
    dimension_breakdown,
    gaps,
    gaps_by_dimension,
    transition_matrix,
    value_added,
)
from strides.analytics.overview import TABLES, history_until, overview
from strides.analytics.own_pool import (
    OWN_SHARE_LIMIT,
    own_share,
    pool_composition,
    withhold_self_compared,
)
from strides.analytics.progress import annual_progress, flight_path, progress, rolling_pool
from strides.analytics.schema import (
    CHARACTERISTIC_COLUMNS,
    GROUP_DIMENSIONS,
    OBSERVATION_SCHEMA,
    empty_observations,
    phase_of,
    validate_observations,
)
from strides.analytics.similar import (
    ANY_NEED,
    BENCHMARK_SCHEMA,
    BenchmarkError,
    benchmark_csv,
    benchmark_table,
    benchmark_table_lazy,
    percentiles,
    percentiles_lazy,
    read_benchmark_csv,
)
from strides.analytics.suppression import (
    DEFAULT_THRESHOLD,
    MEASURE_COLUMNS,
    NOTE_COLUMNS,
    suppress,
)

__all__ = [
    "ANY_NEED",
    "BENCHMARK_SCHEMA",
    "CHARACTERISTIC_COLUMNS",
    "DEFAULT_THRESHOLD",
    "GROUP_DIMENSIONS",
    "MEASURE_COLUMNS",
    "NOTE_COLUMNS",
    "OBSERVATION_SCHEMA",
    "OWN_SHARE_LIMIT",
    "REASONS",
    "TABLES",
    "BenchmarkError",
    "annual_progress",
    "attainment",
    "benchmark_csv",
    "benchmark_table",
    "benchmark_table_lazy",
    "dimension_breakdown",
    "distribution",
    "empty_observations",
    "flight_path",
    "gaps",
    "gaps_by_dimension",
    "history_until",
    "needing_attention",
    "overview",
    "own_share",
    "percentiles",
    "percentiles_lazy",
    "phase_of",
    "pool_composition",
    "progress",
    "read_benchmark_csv",
    "rolling_pool",
    "suppress",
    "transition_matrix",
    "trend",
    "validate_observations",
    "value_added",
    "withhold_self_compared",
]
