"""What the parsers hand to the importer, and what the importer reports back.

A parser never raises on bad input: every problem becomes a :class:`RowError` naming the row (the
spreadsheet's own row number, or the pupil's position in a CTF), the field as the file names it,
the value and a message. Rows with an error are left out of ``rows`` but still reported.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any, Self

from strides.imports.fields import FIELD_LABELS, describe_sen


@dataclass(frozen=True)
class RowError:
    row: int | None  # None for a problem with the file as a whole
    field: str
    value: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "value": self.value, "message": self.message}


@dataclass
class SourceRow:
    """One pupil as a file gives them. Only fields the file actually carries are present:
    ``identity`` holds a subset of the pupil's identity fields and ``characteristics`` a subset
    of the characteristic fields; whatever is missing keeps its stored value."""

    row: int
    upn: str
    identity: dict[str, Any] = field(default_factory=dict)
    characteristics: dict[str, Any] = field(default_factory=dict)
    former_upns: tuple[str, ...] = ()
    enrolment_start: dt.date | None = None
    registration: str | None = None
    # canonical field name -> how the file names it (column header or CTF element), for messages
    labels: dict[str, str] = field(default_factory=dict)

    def label(self, name: str) -> str:
        return self.labels.get(name) or FIELD_LABELS.get(name, name)


@dataclass(frozen=True)
class Destination:
    """Where a CTF says it is going (its header's DestSchool)."""

    urn: str
    la_code: str
    establishment_number: str

    def describe(self) -> str:
        text = f"LA {self.la_code or '?'} establishment {self.establishment_number or '?'}"
        return f"{text} (URN {self.urn})" if self.urn else text


@dataclass
class ParseResult:
    kind: str  # "spreadsheet" or "ctf"
    rows: list[SourceRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    destination: Destination | None = None
    file_date: dt.date | None = None
    data_rows: int = 0  # rows (or pupils) read, good and bad

    def error(self, row: int | None, field_name: str, value: Any, message: str) -> None:
        self.errors.append(RowError(row, field_name, display(value), message))


def display(value: Any) -> str:
    """A cell value as the user typed it, for messages. Long values are cut short."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        text = value.isoformat(sep=" ")
    elif isinstance(value, dt.date):
        text = value.isoformat()
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    else:
        text = str(value)
    return text if len(text) <= 200 else text[:200] + "…"


Outcome = str  # "created" | "updated" | "unchanged"


@dataclass
class RowResult:
    row: int | None
    upn: str
    name: str
    outcome: Outcome
    changes: dict[str, list[Any]] = field(default_factory=dict)  # field -> [old, new]


@dataclass
class Report:
    """The outcome of one import (or dry run), whatever it imports: the counts, every refused row,
    the rows done, what the file held that was not read. ``committed`` is true only when rows were
    written. A kind of import names its rows (:meth:`row_from_json`) and what it imported into
    (:attr:`target`)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    rows: list[Any] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    committed: bool = False
    dry_run: bool = False

    @property
    def refused(self) -> bool:
        return bool(self.errors)

    @property
    def to_write(self) -> int:
        """What importing the checked file would write (a clean file that writes nothing has
        nothing to import)."""
        return self.created + self.updated

    def detail_sections(self) -> list[tuple[str, list[str]]]:
        """More of the report for the printed table: (heading, lines) each."""
        return []

    @property
    def refused_rows(self) -> int:
        """Rows (or CTF pupils) with at least one error; problems with the whole file not counted."""
        return len({e.row for e in self.errors if e.row is not None})

    @property
    def target(self) -> str:
        """What the file was imported into, for the printed report."""
        return ""

    def summary(self) -> dict[str, Any]:
        """Exactly the ``--json`` report of every import command."""
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": [e.as_dict() for e in self.errors],
        }

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["errors"] = [e.as_dict() for e in self.errors]
        data["rows"] = [self.row_to_json(r) for r in self.rows]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Self:
        data = dict(data)
        data["errors"] = [RowError(**e) for e in data.get("errors", [])]
        data["rows"] = [cls.row_from_json(r) for r in data.get("rows", [])]
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})

    @staticmethod
    def row_to_json(row: Any) -> Any:
        return asdict(row)

    @staticmethod
    def row_from_json(data: Any) -> Any:
        raise NotImplementedError


@dataclass
class ImportReport(Report):
    """The outcome of one pupil import (or dry run)."""

    school_id: int | None = None
    school_name: str = ""
    # SEN changes are staged for the school's SENCO or head, not applied by the import
    sen_staging: bool = False
    # each {row, upn, name, before, proposed, replaces}: staged (or to be staged, in a check)
    sen_staged: list[dict[str, Any]] = field(default_factory=list)
    sen_waiting: int = 0  # the same change already waits from an earlier import

    @property
    def target(self) -> str:
        return self.school_name

    @property
    def to_write(self) -> int:
        return super().to_write + len(self.sen_staged)

    def summary(self) -> dict[str, Any]:
        data = super().summary()
        if self.sen_staging:
            data["sen_staged"] = len(self.sen_staged)
        return data

    def detail_sections(self) -> list[tuple[str, list[str]]]:
        if not self.sen_staged:
            return []
        lines = [
            f"{row['row'] or '':>6}  {row['upn']:<13}  {row['name']}: "
            f"{describe_sen(row['before'])} → {describe_sen(row['proposed'])}"
            for row in self.sen_staged
        ]
        return [(f"{'Row':>6}  {'UPN':<13}  SEN changes for the SENCO or head to confirm", lines)]

    @staticmethod
    def row_from_json(data: Any) -> RowResult:
        return RowResult(**data)
