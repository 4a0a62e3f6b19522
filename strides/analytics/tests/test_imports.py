"""The analytics package runs without Django (on an export of millions of pupils, in a benchmark,
in a notebook): no module under strides/analytics imports django or another strides app."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the module's own package
                package = path.relative_to(PACKAGE.parent.parent).with_suffix("").parts
                base = ".".join(package[: len(package) - node.level])
                found.append((node.lineno, f"{base}.{node.module}" if node.module else base))
            else:
                found.append((node.lineno, node.module or ""))
    return found


def forbidden(module: str) -> bool:
    top = module.split(".")[0]
    if top == "django":
        return True
    return top == "strides" and not (module == "strides.analytics" or module.startswith("strides.analytics."))


def test_no_module_imports_django_or_other_strides_apps():
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) > 10, "the walk found the package's modules"
    offences = [
        f"{path.relative_to(PACKAGE.parent.parent)}:{line} imports {module}"
        for path in files
        for line, module in imported_modules(path)
        if forbidden(module)
    ]
    assert offences == []


def test_the_check_catches_what_it_forbids(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import django.db\nfrom strides.pupils import census_codes\nfrom strides.analytics import schema\n"
    )
    modules = [module for _, module in imported_modules(sample)]
    assert [m for m in modules if forbidden(m)] == ["django.db", "strides.pupils"]
