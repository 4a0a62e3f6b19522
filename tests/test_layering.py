"""The layering contracts in pyproject.toml (checked by ``lint-imports`` in the lint step) name
modules one by one; these tests fail when a new app or view module is not in the contracts that
must cover it, so a contract cannot silently stop covering the tree (docs/adr/0013)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VIEW_MODULE = re.compile(r"^(views|\w+_views|views_\w+)$")


def _contract(contract_id: str) -> dict:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    return next(c for c in contracts if c["id"] == contract_id)


def _matches(expression: str, module: str) -> bool:
    """import-linter's module expressions: ``*`` is one whole name of a dotted path."""
    pattern = r"\.".join("[^.]+" if part == "*" else re.escape(part) for part in expression.split("."))
    return re.fullmatch(pattern, module) is not None


def _modules(package: Path, dotted: str) -> list[str]:
    """Every module under ``package`` but tests and migrations, as dotted names."""
    found = []
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package).with_suffix("").parts
        if {"tests", "migrations", "templates", "static"} & set(parts):
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found.append(".".join((dotted, *parts)))
    return found


def _top_level() -> set[str]:
    """strides' apps and top-level modules: strides.pupils, strides.settings, ..."""
    names = set()
    for path in (REPO / "strides").iterdir():
        if path.is_dir() and (path / "__init__.py").exists():
            names.add(f"strides.{path.name}")
        elif path.suffix == ".py" and path.stem not in ("__init__", "__main__"):
            names.add(f"strides.{path.stem}")
    return names


def test_every_view_module_is_in_the_views_contract():
    listed = _contract("views-independent")["modules"]
    views = [m for m in _modules(REPO / "strides", "strides") if VIEW_MODULE.match(m.rsplit(".", 1)[-1])]
    missing = [m for m in views if not any(_matches(entry, m) for entry in listed)]
    assert views
    assert not missing, f"add to views-independent in pyproject.toml: {missing}"


def test_analytics_may_import_no_other_part_of_strides():
    forbidden = set(_contract("analytics-pure")["forbidden_modules"])
    missing = sorted(_top_level() - forbidden - {"strides.analytics"})
    assert not missing, f"add to analytics-pure's forbidden_modules in pyproject.toml: {missing}"


def test_every_app_but_web_is_below_web():
    sources = set(_contract("domain-below-web")["source_modules"])
    apps = {name for name in _top_level() if (REPO / name.replace(".", "/") / "__init__.py").exists()}
    missing = sorted(apps - sources - {"strides.web"})
    assert not missing, f"add to domain-below-web's source_modules in pyproject.toml: {missing}"


def test_the_expression_matching_is_import_linters():
    assert _matches("strides.*.views", "strides.pupils.views")
    assert not _matches("strides.*.views", "strides.pupils.sen_views")
    assert not _matches("strides.*.views", "strides.assessment.api.views")
