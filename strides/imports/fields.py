"""Pupil fields as files carry them: header names and their common variants, and the parsing of
each value into what Strides stores. Shared by the spreadsheet and CTF parsers.

A parser function takes one cell (``str``, ``int``, ``float``, ``bool``, ``date`` or
``datetime``; spreadsheets give all of these) and returns the stored value, or raises
:class:`ValueProblem` with a message for the user.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from strides.pupils import upn as upn_rule
from strides.pupils.census_codes import (
    NC_YEAR_LABELS,
    Ethnicity,
    RegistrationType,
    SenNeed,
    SenProvision,
    Sex,
)


class ValueProblem(ValueError):
    """A value that cannot be used; the message says why, for the user."""


def header_key(text: Any) -> str:
    """A header reduced to lower-case letters and digits: "Legal  Surname", "legal_surname" and
    "LEGAL-SURNAME" are the same column."""
    folded = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", folded.lower())


def _code_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


# --- value parsers ------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SPACES = re.compile(r"\s+")


def as_text(raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, dt.datetime):
        return raw.isoformat(sep=" ")
    if isinstance(raw, dt.date):
        return raw.isoformat()
    return str(raw).strip()


def is_blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def text_parser(max_length: int) -> Callable[[Any], str]:
    def parse(raw: Any) -> str:
        text = _SPACES.sub(" ", as_text(raw))
        if _CONTROL.search(text):
            raise ValueProblem("contains control characters.")
        if len(text) > max_length:
            raise ValueProblem(f"is {len(text)} characters long; at most {max_length} fit.")
        return text

    return parse


def parse_upn(raw: Any) -> str:
    result = upn_rule.check(as_text(raw))
    if not result.valid:
        raise ValueProblem(result.message)
    return result.upn


def parse_former_upns(raw: Any) -> tuple[str, ...]:
    """One or more former UPNs, separated by commas, semicolons or slashes."""
    parts = [p for p in re.split(r"[,;/|]", as_text(raw)) if p.strip()]
    return tuple(dict.fromkeys(parse_upn(p) for p in parts))


EXCEL_EPOCH = dt.date(1899, 12, 30)
_DATE_PATTERNS = [
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"), "ymd"),
    (re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})(?: \d{1,2}:\d{2}(?::\d{2})?)?$"), "ymd"),
    (re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?)?$"), "dmy"),
]
_TWO_DIGIT_YEAR = re.compile(r"^\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2}$")
_MONTHS = {
    name: number
    for number in range(1, 13)
    for name in (
        dt.date(2000, number, 1).strftime("%b").lower(),
        dt.date(2000, number, 1).strftime("%B").lower(),
    )
}
_TEXT_DATE = re.compile(r"^(\d{1,2})[ \-]([a-z]+)[ \-](\d{4})$")


def parse_date(raw: Any) -> dt.date:
    """dd/mm/yyyy (also with - or .), yyyy-mm-dd, 1 March 2009, an Excel date cell or serial."""
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, bool):
        raise ValueProblem("is not a date (use dd/mm/yyyy).")
    if isinstance(raw, int | float):
        return _excel_serial(raw)
    text = as_text(raw)
    if re.fullmatch(r"\d{5}(\.0+)?", text):
        return _excel_serial(float(text))
    for pattern, order in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            a, b, c = (int(g) for g in match.groups())
            if order == "ymd":
                return _make_date(a, b, c, "is not a real date (read as year-month-day).")
            return _make_date(c, b, a, "is not a real date (read as day/month/year).")
    match = _TEXT_DATE.match(text.lower())
    if match and match.group(2) in _MONTHS:
        return _make_date(int(match.group(3)), _MONTHS[match.group(2)], int(match.group(1)))
    if _TWO_DIGIT_YEAR.match(text):
        raise ValueProblem("has a two-digit year; write the year in full (dd/mm/yyyy).")
    raise ValueProblem("is not a date (use dd/mm/yyyy or yyyy-mm-dd).")


def _make_date(year: int, month: int, day: int, problem: str = "is not a real date.") -> dt.date:
    try:
        value = dt.date(year, month, day)
    except ValueError as exc:
        raise ValueProblem(problem) from exc
    if not 1900 <= value.year <= 2100:
        raise ValueProblem("is not a plausible date.")
    return value


def _excel_serial(number: float) -> dt.date:
    if not float(number).is_integer() or not 1 <= number <= 73050:  # 1900 to 2099
        raise ValueProblem("is not a date (use dd/mm/yyyy).")
    return _make_date(*(EXCEL_EPOCH + dt.timedelta(days=int(number))).timetuple()[:3])


def parse_date_of_birth(raw: Any) -> dt.date:
    value = parse_date(raw)
    if value > dt.date.today():
        raise ValueProblem("is in the future.")
    if value.year < 1940:
        raise ValueProblem("is not a plausible date of birth for a pupil.")
    return value


_TRUE = {"y", "yes", "true", "t", "1", "on", "eligible"}
_FALSE = {"n", "no", "false", "f", "0", "off", "noteligible", "none"}


def parse_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    key = _code_key(as_text(raw))
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise ValueProblem("is not yes or no (Y/N, Yes/No, True/False or 1/0).")


_SEX = {"m": "M", "male": "M", "boy": "M", "f": "F", "female": "F", "girl": "F"}


def parse_sex(raw: Any) -> str:
    value = _SEX.get(_code_key(as_text(raw)))
    if value is None:
        raise ValueProblem("is not a sex Strides records (M or F, as in the school census).")
    return value


_NC_WORDS = {
    "r": 0,
    "rec": 0,
    "reception": 0,
    "yr": 0,
    "yearr": 0,
    "n1": -2,
    "nursery1": -2,
    "n2": -1,
    "nursery2": -1,
}


def parse_nc_year(raw: Any) -> int:
    """R, N1, N2, 3, "Year 3", "Y3", "Yr 3" or "03": stored as N1=-2, N2=-1, R=0, then 1..14."""
    if isinstance(raw, bool):
        raise ValueProblem("is not an NC year (R, N1, N2 or 1 to 14).")
    key = _code_key(as_text(raw))
    if key in _NC_WORDS:
        return _NC_WORDS[key]
    if key == "x":
        raise ValueProblem("X (no NC year) cannot be stored: give the year the pupil is taught in.")
    match = re.fullmatch(r"(?:year|yr|y|ncy|nc|ncyear)?0*(\d{1,2})", key)
    if match and 1 <= int(match.group(1)) <= 14:
        return int(match.group(1))
    raise ValueProblem("is not an NC year (R, N1, N2 or 1 to 14).")


def _code_parser(
    codes: dict[str, str], kind: str, synonyms: dict[str, str] | None = None
) -> Callable[[Any], str]:
    """A parser for a census code set that accepts the code, its label, "CODE - label" and a
    few well-known older codes, whatever the case and punctuation."""
    table: dict[str, str] = {}
    for code, label in codes.items():
        table[_code_key(code)] = code
        table[_code_key(label)] = code
    for alias, code in (synonyms or {}).items():
        table[_code_key(alias)] = code

    def parse(raw: Any) -> str:
        text = as_text(raw)
        key = _code_key(text)
        if key in table:
            return table[key]
        head = re.split(r"\s+[-–:]\s+|\s*\(", text, maxsplit=1)[0]
        if _code_key(head) in table:
            return table[_code_key(head)]
        raise ValueProblem(f"is not a {kind}.")

    return parse


parse_ethnicity = _code_parser(
    dict(Ethnicity.choices),
    "census ethnicity code (e.g. WBRI, MWBC, AIND; see docs/importing-pupils.md)",
    {"White British": "WBRI", "White Irish": "WIRI", "Information not obtained": "NOBT"},
)
parse_sen_provision = _code_parser(
    dict(SenProvision.choices),
    "SEN provision (N, K or E; also 'SEN Support' or 'EHCP')",
    {
        "EHCP": "E",
        "EHC plan": "E",
        "Education Health and Care Plan": "E",
        "Statement": "E",
        "S": "E",  # statements became EHC plans in 2014-2018
        "SEN Support": "K",
        "School Action": "K",
        "School Action Plus": "K",
        "A": "K",
        "P": "K",
        "None": "N",
        "No SEN": "N",
        "No": "N",
    },
)
parse_sen_need = _code_parser(
    dict(SenNeed.choices),
    "census SEN type of need (e.g. SPLD, MLD, SEMH, SLCN, ASD)",
    {"BESD": "SEMH", "Autism": "ASD", "Autistic spectrum disorder": "ASD"},
)
_ENGLISH = {"ENG", "ENB"}  # English, believed to be English
_LANGUAGE_UNKNOWN = {"NOT", "REF"}  # information not obtained, refused


def parse_language(raw: Any) -> str:
    """A census language code (three letters, e.g. ENG, POL, URD). The word "English" is read as
    ENG; other language names are refused rather than guessed."""
    text = as_text(raw)
    if _code_key(text) == "english":
        return "ENG"
    head = re.split(r"\s+[-–:]\s+|\s*\(", text, maxsplit=1)[0].strip()
    if re.fullmatch(r"[A-Za-z]{3}", head):
        return head.upper()
    raise ValueProblem("is not a census language code (three letters, e.g. ENG, POL, URD).")


def eal_from_language(code: str) -> bool:
    """English as an additional language: a known first language other than English."""
    return bool(code) and code not in _ENGLISH and code not in _LANGUAGE_UNKNOWN


_REGISTRATION = {
    "c": RegistrationType.SINGLE,
    "current": RegistrationType.SINGLE,
    "single": RegistrationType.SINGLE,
    "singleregistration": RegistrationType.SINGLE,
    "m": RegistrationType.MAIN_DUAL,
    "main": RegistrationType.MAIN_DUAL,
    "dualmain": RegistrationType.MAIN_DUAL,
    "dualregistrationmain": RegistrationType.MAIN_DUAL,
    "s": RegistrationType.SUBSIDIARY_DUAL,
    "subsidiary": RegistrationType.SUBSIDIARY_DUAL,
    "dualsubsidiary": RegistrationType.SUBSIDIARY_DUAL,
    "dualregistrationsubsidiary": RegistrationType.SUBSIDIARY_DUAL,
    "g": RegistrationType.GUEST,
    "guest": RegistrationType.GUEST,
}


def parse_registration(raw: Any) -> str:
    value = _REGISTRATION.get(_code_key(as_text(raw)))
    if value is None:
        raise ValueProblem("is not an enrolment status (C single, M main dual, S subsidiary dual, G guest).")
    return str(value)


# --- columns ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str  # the stored field (or importer field) this column fills
    label: str  # its name in the template
    aliases: tuple[str, ...]
    parse: Callable[[Any], Any]
    kind: str  # "identity", "characteristic" or "enrolment"


COLUMNS: tuple[Column, ...] = (
    Column("upn", "UPN", ("UPN", "Unique Pupil Number", "Pupil UPN"), parse_upn, "key"),
    Column(
        "former_upns",
        "Former UPN",
        ("Former UPN", "Former UPNs", "Previous UPN", "Old UPN"),
        parse_former_upns,
        "key",
    ),
    Column(
        "legal_surname",
        "Legal Surname",
        ("Legal Surname", "Surname", "Last Name", "Legal Last Name", "Family Name"),
        text_parser(100),
        "identity",
    ),
    Column(
        "legal_forename",
        "Legal Forename",
        ("Legal Forename", "Forename", "Forenames", "First Name", "Legal First Name", "Given Name"),
        text_parser(100),
        "identity",
    ),
    Column("middle_names", "Middle Names", ("Middle Names", "Middle Name"), text_parser(200), "identity"),
    Column(
        "preferred_surname",
        "Preferred Surname",
        ("Preferred Surname", "Preferred Last Name"),
        text_parser(100),
        "identity",
    ),
    Column(
        "preferred_forename",
        "Preferred Forename",
        ("Preferred Forename", "Preferred First Name", "Preferred Name", "Known As"),
        text_parser(100),
        "identity",
    ),
    Column(
        "date_of_birth",
        "Date of Birth",
        ("Date of Birth", "DOB", "Birth Date"),
        parse_date_of_birth,
        "identity",
    ),
    Column("sex", "Sex", ("Sex", "Gender"), parse_sex, "identity"),
    Column(
        "nc_year",
        "NC Year Actual",
        (
            "NC Year Actual",
            "NC Year",
            "National Curriculum Year",
            "Year",
            "Year Group",
            "Curriculum Year",
            "Actual NC Year",
        ),
        parse_nc_year,
        "characteristic",
    ),
    Column(
        "ethnicity",
        "Ethnicity",
        ("Ethnicity", "Ethnicity Code", "Ethnic Group"),
        parse_ethnicity,
        "characteristic",
    ),
    Column(
        "first_language",
        "First Language",
        ("First Language", "Home Language", "Language", "First Language Code"),
        parse_language,
        "characteristic",
    ),
    Column(
        "eal",
        "EAL",
        ("EAL", "English as an Additional Language", "English as Additional Language", "EAL Status"),
        parse_bool,
        "characteristic",
    ),
    Column(
        "sen_provision",
        "SEN Provision",
        ("SEN Provision", "SEN Status", "SEN", "SEN Stage", "SEND Status"),
        parse_sen_provision,
        "characteristic",
    ),
    Column(
        "primary_need",
        "Primary Need",
        (
            "Primary Need",
            "SEN Need 1",
            "Type of Need",
            "Primary SEN Need",
            "SEN Primary Need",
            "SEN Need",
            "SEN Need Type 1",
            "Need Type 1",
            "Primary Type of Need",
        ),
        parse_sen_need,
        "characteristic",
    ),
    Column(
        "secondary_need",
        "Secondary Need",
        (
            "Secondary Need",
            "SEN Need 2",
            "Secondary SEN Need",
            "SEN Secondary Need",
            "SEN Need Type 2",
            "Need Type 2",
            "Secondary Type of Need",
        ),
        parse_sen_need,
        "characteristic",
    ),
    Column(
        "fsm",
        "FSM",
        ("FSM", "FSM Eligible", "Free School Meals", "FSM Eligibility", "Eligible for FSM"),
        parse_bool,
        "characteristic",
    ),
    Column(
        "fsm_ever6",
        "FSM Ever 6",
        ("FSM Ever 6", "Ever 6", "Ever 6 FSM", "FSM6", "Pupil Premium", "PP", "Pupil Premium Eligible"),
        parse_bool,
        "characteristic",
    ),
    Column(
        "looked_after",
        "Looked After",
        ("Looked After", "In Care", "LAC", "CLA", "Child Looked After", "Looked After Child"),
        parse_bool,
        "characteristic",
    ),
    Column(
        "previously_looked_after",
        "Previously Looked After",
        ("Previously Looked After", "PLAC", "PLA", "Previously Looked After Child", "Post LAC"),
        parse_bool,
        "characteristic",
    ),
    Column("child_in_need", "Child in Need", ("Child in Need", "CIN"), parse_bool, "characteristic"),
    Column(
        "enrolment_start",
        "Admission Date",
        ("Admission Date", "Start Date", "Date of Admission", "Entry Date", "Date of Entry", "Admitted"),
        parse_date,
        "enrolment",
    ),
    Column(
        "registration",
        "Enrolment Status",
        ("Enrolment Status", "Enrollment Status", "Enrol Status", "Registration Type"),
        parse_registration,
        "enrolment",
    ),
)

COLUMN_BY_KEY: dict[str, Column] = {header_key(alias): col for col in COLUMNS for alias in col.aliases}
FIELD_LABELS: dict[str, str] = {col.name: col.label for col in COLUMNS}
FIELD_LABELS.update({"upn": "UPN", "enrolment": "Enrolment"})
# names of the changes ``upsert_pupils`` reports, as the preview and the command show them
CHANGE_LABELS: dict[str, str] = {**FIELD_LABELS, "former_upns": "Former UPNs"}
TEMPLATE_HEADERS: tuple[str, ...] = tuple(col.label for col in COLUMNS)
REQUIRED_FOR_NEW: tuple[str, ...] = ("legal_forename", "legal_surname", "date_of_birth", "sex", "nc_year")
# Columns only an importer holding EDIT_SEN at the school may apply (the SENCO, head, trust admin);
# from anyone else they are staged for the school's SENCO or head to confirm.
SEN_FIELDS: tuple[str, ...] = ("sen_provision", "primary_need", "secondary_need")


def describe_value(name: str, value: Any) -> str:
    """A stored value as the preview shows it."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if name == "nc_year" and isinstance(value, int):
        return NC_YEAR_LABELS.get(value, str(value))
    if name == "sex":
        return dict(Sex.choices).get(value, str(value))
    if name == "sen_provision":
        return dict(SenProvision.choices).get(value, str(value))
    if name == "date_of_birth" and isinstance(value, str):
        try:
            return dt.date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "–"
    return str(value)


def describe_sen(values: dict[str, Any]) -> str:
    """A SEN record (provision and ranked needs) in words: "SEN support: Moderate learning
    difficulty, then Speech, language and communication needs"."""
    provision = dict(SenProvision.choices).get(
        values.get("sen_provision") or "N", "No special educational need"
    )
    needs = [
        dict(SenNeed.choices).get(code, code)
        for code in (values.get("primary_need"), values.get("secondary_need"))
        if code
    ]
    return f"{provision}: {', then '.join(needs)}" if needs else provision
