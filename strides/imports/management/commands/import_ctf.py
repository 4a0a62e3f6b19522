"""``strides import-ctf FILE [--school URN] [--dry-run] [--json]``: import pupils from a DfE
Common Transfer File into the trust school it is addressed to (or the one given).

Exit status 0 when imported (or a clean dry run); 1 when any pupil is refused, and then nothing
is written.
"""

from __future__ import annotations

from strides.imports.commands import ImportCommand


class Command(ImportCommand):
    help = "Import pupils from a Common Transfer File (XML). Exit 1 if any pupil is refused."
    kind = "ctf"
    school_required = False
