"""Unique pupil numbers: the DfE check-letter rule (UPN guide v1.2, Annex A) and census rule 1530.

A UPN is 13 characters: a check letter, the 3-digit LA code, the 4-digit establishment number,
2 digits of the year of allocation and a 3-digit serial. A temporary UPN ends in two digits and a
letter instead. The check letter is the weighted sum (weights 2..13) of characters 2-13 modulo 23,
read in the alphabet without I, O and S.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CHECK_ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ"  # A-Z without I, O, S: index = remainder 0..22
_PERMANENT = re.compile(r"^[A-Z]\d{12}$")
_TEMPORARY = re.compile(r"^[A-Z]\d{11}[A-Z]$")

# Valid LA and pseudo-LA codes (census rule 1530), see shared/reference/standards.md section 1.
_LA_RANGES = [
    (1, 5), (201, 213), (301, 320), (330, 336), (340, 344), (350, 359), (370, 373), (380, 384),
    (390, 394), (420, 420), (660, 681), (701, 708), (800, 803), (805, 808), (810, 813), (815, 816),
    (820, 823), (825, 826), (830, 831), (835, 841), (845, 846), (850, 852), (855, 857),
    (860, 861), (865, 896), (908, 909), (916, 916), (919, 919), (921, 921), (925, 926),
    (928, 929), (931, 931), (933, 933), (935, 938), (940, 942), (943, 943),
]  # fmt: skip
# 942/943 are the post-2023 unitaries (Cumberland, Westmorland and Furness); the census list is
# the authority and this is kept in one place so it can follow it.


@dataclass(frozen=True)
class UpnCheck:
    upn: str
    valid: bool
    temporary: bool
    message: str


def normalise(raw: str) -> str:
    """Upper case with spaces and dashes removed: UPNs pasted from spreadsheets often carry them."""
    return re.sub(r"[\s\-]", "", raw or "").upper()


def check_letter(body: str) -> str:
    """The check letter for the 12 characters after it (digits, or 11 digits and a letter)."""
    if len(body) != 12:
        raise ValueError("a UPN body is 12 characters")
    total = 0
    for weight, char in enumerate(body, start=2):
        value = int(char) if char.isdigit() else CHECK_ALPHABET.index(char)
        total += weight * value
    return CHECK_ALPHABET[total % 23]


def valid_la_code(code: int) -> bool:
    return any(low <= code <= high for low, high in _LA_RANGES)


def check(raw: str) -> UpnCheck:
    upn = normalise(raw)
    if not upn:
        return UpnCheck(upn, False, False, "UPN is missing.")
    if len(upn) != 13:
        return UpnCheck(upn, False, False, f"A UPN has 13 characters; {upn!r} has {len(upn)}.")
    temporary = bool(_TEMPORARY.match(upn))
    if not (_PERMANENT.match(upn) or temporary):
        return UpnCheck(
            upn,
            False,
            False,
            "A UPN is a letter then 12 digits (a temporary UPN ends in a letter).",
        )
    if temporary and upn[-1] in "IOS":
        return UpnCheck(upn, False, True, "A temporary UPN never ends in I, O or S.")
    expected = check_letter(upn[1:])
    if upn[0] != expected:
        return UpnCheck(upn, False, temporary, f"Check letter is {upn[0]} but should be {expected}.")
    if not valid_la_code(int(upn[1:4])):
        return UpnCheck(upn, False, temporary, f"{upn[1:4]} is not a valid LA code (census rule 1530).")
    return UpnCheck(upn, True, temporary, "")


def is_valid(raw: str) -> bool:
    return check(raw).valid


def make_upn(la_code: int, establishment: int, year: int, serial: int) -> str:
    """A permanent UPN with its correct check letter (used by the demo trust and tests)."""
    body = f"{la_code:03d}{establishment:04d}{year % 100:02d}{serial:03d}"
    return check_letter(body) + body
