"""Add up pytest's JUnit XML reports into one closing line: ``pytest: N passed, N failed, N skipped``.

``--require-some``: exit 1 when no test ran at all (every report empty or missing).
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def totals(paths: list[Path]) -> tuple[int, int, int]:
    passed = failed = skipped = 0
    for path in paths:
        if not path.is_file():
            continue
        root = ET.parse(path).getroot()  # noqa: S314 - our own pytest output
        suites = [root] if root.tag == "testsuite" else root.iter("testsuite")
        for suite in suites:
            tests = int(suite.get("tests", 0))
            bad = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
            skip = int(suite.get("skipped", 0))
            passed += tests - bad - skip
            failed += bad
            skipped += skip
    return passed, failed, skipped


def main(argv: list[str]) -> int:
    require_some = "--require-some" in argv
    paths = [Path(arg) for arg in argv if arg != "--require-some"]
    passed, failed, skipped = totals(paths)
    print(f"pytest: {passed} passed, {failed} failed, {skipped} skipped")
    if require_some and passed + failed == 0:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
