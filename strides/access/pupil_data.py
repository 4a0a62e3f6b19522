"""Which models hold pupil data, and where the code reads them without the gate (ADR 12).

The models are worked out from the app registry, so a model a new app adds is covered the day it
is written: every model with a foreign-key path to ``pupils.Pupil`` (and Pupil itself), every model
that keeps an uploaded file (its rows are whatever the file held), and :data:`ALSO_PUPIL_DATA`.
:data:`NOT_PUPIL_DATA` exempts a model the rules would catch, each with its reason.

:func:`direct_reads` reads the source (``ast``, no import) and reports every ``Model.objects``,
``Model._default_manager``, ``Model._base_manager`` or other manager (``Judgement.history``) of a
pupil-data model, and every ``apps.get_model("app", "Model")`` naming one, outside the places
allowed to read rows as they are (:func:`may_read_directly`). The fail-closed test
(``strides/access/tests/test_fail_closed.py``) holds the code to it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.apps import apps
from django.db import models

PUPIL_MODEL = "pupils.Pupil"

# Pupil data that no foreign key leads to Pupil from. Label -> why.
ALSO_PUPIL_DATA: dict[str, str] = {
    "classes.TeachingGroup": "a class is a teacher's reach: who teaches which pupils (visible_classes)",
    "audit.AuditEntry": "its before/after keep the pupil records and judgements that were changed",
}

# Models the rules above would catch that hold no personal data. Label -> why.
NOT_PUPIL_DATA: dict[str, str] = {
    "dashboards.ExternalBenchmark": "an uploaded file of published national figures, no pupil in it",
}

# Managers every model has besides the ones it declares.
IMPLICIT_MANAGERS = frozenset({"_default_manager", "_base_manager"})


def _leads_to_pupil(model: type[models.Model], seen: set[type[models.Model]]) -> bool:
    if model._meta.label == PUPIL_MODEL:
        return True
    seen.add(model)
    for field in model._meta.get_fields():
        target = field.related_model
        forward = (field.many_to_one or field.one_to_one) and field.concrete
        if forward and isinstance(target, type) and target not in seen and _leads_to_pupil(target, seen):
            return True
    return False


def _keeps_a_file(model: type[models.Model]) -> bool:
    return any(isinstance(field, models.BinaryField | models.FileField) for field in model._meta.fields)


def holds_pupil_data(model: type[models.Model]) -> bool:
    """Whether ``model`` holds pupil data, by the rules of the module docstring."""
    label = model._meta.label
    if label in NOT_PUPIL_DATA:
        return False
    return label in ALSO_PUPIL_DATA or _keeps_a_file(model) or _leads_to_pupil(model, set())


@cache
def pupil_data_models() -> dict[str, type[models.Model]]:
    """Every installed model that holds pupil data, by label (``"pupils.Enrolment"``)."""
    return {model._meta.label: model for model in apps.get_models() if holds_pupil_data(model)}


# What to use instead of a direct read, by model label (the gate's readers, ADR 2 and 12).
INSTEAD: dict[str, str] = {
    "pupils.Pupil": "strides.access.gate.visible_pupils(user)",
    "pupils.Enrolment": "strides.access.gate.visible_enrolments(user)",
    "pupils.CharacteristicsPeriod": "strides.access.readers.visible_characteristics(user)",
    "pupils.FormerUpn": "strides.access.readers.visible_former_upns(user)",
    "pupils.StagedSenChange": "strides.access.readers.visible_sen_changes(user)",
    "classes.TeachingGroup": "strides.access.gate.visible_classes(user)",
    "classes.GroupMembership": "strides.access.readers.visible_memberships(user)",
    "accounts.ParentLink": "strides.access.readers.visible_parent_links(user)",
    "frameworks.FrameworkAssignment": "strides.access.readers.visible_framework_assignments(user)",
    "assessment.Judgement": "strides.access.judgements.visible_judgements(user)",
    "assessment.JudgementRevision": (
        "the revisions of strides.access.judgements.visible_judgements(user) that shows_history"
    ),
    "imports.ImportBatch": "strides.access.readers.visible_uploads(user, ImportBatch)",
    "assessment.DropImportBatch": "strides.access.readers.visible_uploads(user, DropImportBatch)",
    "audit.AuditEntry": "strides.access.readers.visible_audit_entries(user)",
}
DEFAULT_INSTEAD = "a visible_* reader in strides/access/ (add one there), or move the read into a service"


def instead_of(label: str) -> str:
    return INSTEAD.get(label, DEFAULT_INSTEAD)


# --- where rows may be read as they are -------------------------------------------------------

ALLOWED_DIRS = ("strides/access/", "strides/testing/", "strides/demo/")
ALLOWED_PARTS = frozenset({"migrations", "tests", "services"})


def may_read_directly(path: str) -> bool:
    """The gate itself, services (``services.py`` or ``services/``: writes, audited, and the reads
    a write needs), migrations, tests, the test cast and the demo trust's writer."""
    if path.startswith(ALLOWED_DIRS):
        return True
    parts = path.split("/")
    return parts[-1] == "services.py" or bool(ALLOWED_PARTS.intersection(parts[:-1]))


# --- the reads ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DirectRead:
    path: str  # relative to the repository, e.g. "strides/web/views.py"
    line: int
    label: str  # the model, e.g. "pupils.Pupil"
    how: str  # what the code wrote, e.g. "Pupil.objects"

    def __str__(self) -> str:
        return (
            f"{self.path}:{self.line}: {self.how} reads {self.label} directly; use {instead_of(self.label)}"
        )


def _module_name(path: str) -> str:
    name = path.removesuffix(".py").replace("/", ".")
    return name.removesuffix(".__init__")


def _absolute(module: str | None, level: int, here: str, is_package: bool) -> str:
    if level == 0:
        return module or ""
    parts = here.split(".")
    base = parts if is_package else parts[:-1]
    base = base[: len(base) - (level - 1)] if level > 1 else base
    return ".".join([*base, module] if module else base)


class _Reader(ast.NodeVisitor):
    def __init__(self, path: str, by_dotted: dict[str, str], managers: dict[str, frozenset[str]]) -> None:
        self.path = path
        self.by_dotted = by_dotted  # "strides.pupils.models.Pupil" -> "pupils.Pupil"
        self.managers = managers
        self.here = _module_name(path)
        self.is_package = path.endswith("__init__.py")
        self.names: dict[str, str] = {}  # local name -> dotted name it was imported as
        self.found: list[DirectRead] = []
        self.empty: set[int] = set()

    def bind_imports(self, tree: ast.AST) -> None:
        # one map per module: imports inside functions count too (the code imports late a lot)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        self.names[alias.asname] = alias.name
                    else:
                        top = alias.name.split(".")[0]
                        self.names[top] = top
            elif isinstance(node, ast.ImportFrom):
                source = _absolute(node.module, node.level, self.here, self.is_package)
                for alias in node.names:
                    self.names[alias.asname or alias.name] = f"{source}.{alias.name}"
            elif isinstance(node, ast.ClassDef):
                self.names.setdefault(node.name, f"{self.here}.{node.name}")

    def dotted(self, node: ast.expr) -> str | None:
        if isinstance(node, ast.Name):
            return self.names.get(node.id)
        if isinstance(node, ast.Attribute):
            base = self.dotted(node.value)
            return f"{base}.{node.attr}" if base else None
        return None

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr == "none" and isinstance(node.value, ast.Attribute):
            self.empty.add(id(node.value))  # Model.objects.none() reads nothing
        label = self.by_dotted.get(self.dotted(node.value) or "")
        if label and node.attr in self.managers[label] and id(node) not in self.empty:
            how = f"{ast.unparse(node.value)}.{node.attr}"
            self.found.append(DirectRead(self.path, node.lineno, label, how))
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name == "get_model":
            words = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            label = ".".join(words) if len(words) == 2 else (words[0] if words else "")
            for known in self.managers:
                if label.lower() == known.lower():
                    how = ast.unparse(node)
                    self.found.append(DirectRead(self.path, node.lineno, known, how))
        self.generic_visit(node)


@cache
def _registry() -> tuple[dict[str, str], dict[str, frozenset[str]]]:
    by_dotted: dict[str, str] = {}
    managers: dict[str, frozenset[str]] = {}
    for label, model in pupil_data_models().items():
        by_dotted[f"{model.__module__}.{model.__qualname__}"] = label
        managers[label] = IMPLICIT_MANAGERS | {manager.name for manager in model._meta.managers}
    return by_dotted, managers


def reads_in(path: str, source: str) -> list[DirectRead]:
    """The direct reads of pupil-data models in one module's source (``path`` as in the repo)."""
    by_dotted, managers = _registry()
    reader = _Reader(path, by_dotted, managers)
    tree = ast.parse(source, filename=path)
    reader.bind_imports(tree)
    reader.visit(tree)
    return reader.found


def python_files(root: Path, package: str = "strides") -> Iterator[str]:
    for file in sorted((root / package).rglob("*.py")):
        yield file.relative_to(root).as_posix()


def direct_reads(root: Path, paths: Iterable[str] | None = None) -> list[DirectRead]:
    """Every direct read outside the places allowed to make one, in the ``strides`` package."""
    found: list[DirectRead] = []
    for path in paths if paths is not None else python_files(root):
        if may_read_directly(path):
            continue
        found.extend(reads_in(path, (root / path).read_text(encoding="utf-8")))
    return found
