"""``strides import-pupils FILE --school URN [--dry-run] [--json]``: import pupils from a CSV or
Excel export of an MIS (see docs/importing-pupils.md).

Exit status 0 when imported (or a clean dry run); 1 when any row is refused, and then nothing is
written.
"""

from __future__ import annotations

from strides.imports.commands import ImportCommand


class Command(ImportCommand):
    help = "Import pupils into a school from a spreadsheet (CSV, XLSX). Exit 1 if any row is refused."
    kind = "spreadsheet"
    school_required = True
