"""Strides' benchmarks (``make bench``): ``python -m bench.run`` writes docs/performance.md, and each
benchmark module also runs alone (``python -m bench.grid_load --quick``). Every module takes the
harness from :mod:`bench.harness`; only :mod:`bench.run` imports the benchmarks (no circles: the
contract "no-cycles-in-apps" in pyproject.toml)."""
