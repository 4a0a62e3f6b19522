"""Reading pupils from a DfE Common Transfer File (CTF, XML; see shared/reference/standards.md §2).

Read: UPN, legal names, DOB, Gender (CTF up to 20) or Sex (later), and from BasicDetails the
former UPNs, preferred and middle names, NCyearActual, Ethnicity and the first language
(Languages/Type with LanguageType F). FSMhistory gives FSM now (an instance with no end date, or
one ending after the file's date) and Ever 6 (an instance within six years before the file's
date); SENhistory gives the latest provision and the needs ranked 1 and 2; LookedAfter/InCare
gives looked after. In a ``full`` CTF a missing FSMhistory, SENhistory or LookedAfter means
"none"; in a ``partial`` one it means "not sent", and the stored value is kept.

The XML is parsed with defusedxml (no entity expansion, no external references). Nothing here
raises on bad input: every problem becomes a row error, or a file error with row None.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from strides.imports.fields import (
    ValueProblem,
    eal_from_language,
    parse_date,
    parse_date_of_birth,
    parse_ethnicity,
    parse_language,
    parse_nc_year,
    parse_sen_need,
    parse_sen_provision,
    parse_sex,
    parse_upn,
    text_parser,
)
from strides.imports.records import Destination, ParseResult, SourceRow
from strides.imports.spreadsheet import check_sen

Progress = Callable[[int, int], None]
_name = text_parser(100)
_middle = text_parser(200)
_BOOL = {"true": True, "1": True, "false": False, "0": False}


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _text(element: Element | None, path: str) -> str | None:
    if element is None:
        return None
    found = element.find(path)
    if found is None:
        return None
    return (found.text or "").strip()


def parse_ctf(data: bytes, progress: Progress | None = None) -> ParseResult:
    result = ParseResult(kind="ctf")
    root = _parse_xml(data, result)
    if root is None:
        return result
    for element in root.iter():
        element.tag = _local(element.tag)  # tolerate a namespaced file
    if root.tag != "CTfile":
        hint = " It is an admissions transfer file (ATF), not a CTF." if root.tag == "ATfile" else ""
        result.error(
            None,
            "file",
            f"<{root.tag[:50]}>",
            f"This is not a Common Transfer File: its root element is <{root.tag[:50]}>, not <CTfile>.{hint}",
        )
        return result
    header = root.find("Header")
    full = (_text(header, "DocumentQualifier") or "full").lower() != "partial"
    result.file_date = _file_date(header, result)
    destination = header.find("DestSchool") if header is not None else None
    if destination is not None:
        result.destination = Destination(
            urn=_text(destination, "URN") or "",
            la_code=_text(destination, "LEA") or "",
            establishment_number=_text(destination, "Estab") or "",
        )
    if not full:
        result.notes.append("A partial CTF: details it does not send are left as they are.")
    pupils = root.findall("CTFpupilData/Pupil")
    if not pupils:
        result.error(None, "CTFpupilData", "", "The file holds no pupils (no CTFpupilData/Pupil element).")
        return result
    seen: dict[str, int] = {}
    file_date = result.file_date or dt.date.today()
    for number, pupil in enumerate(pupils, start=1):
        if progress is not None and number % 200 == 0:
            progress(number, len(pupils))
        result.data_rows += 1
        errors_before = len(result.errors)
        row = _pupil(number, pupil, full, file_date, result)
        if row is not None and row.upn in seen:
            result.error(number, "UPN", row.upn, f"UPN {row.upn} also appears for pupil {seen[row.upn]}.")
        elif row is not None:
            seen[row.upn] = number
        if row is not None and len(result.errors) == errors_before:
            result.rows.append(row)
    if progress is not None:
        progress(len(pupils), len(pupils))
    return result


def _parse_xml(data: bytes, result: ParseResult) -> Element | None:
    if not data.strip():
        result.error(None, "file", "", "The file is empty.")
        return None
    try:
        return fromstring(data)
    except ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        result.error(
            None, "file", "", f"The file is not well-formed XML (line {line}, column {column}): {exc.msg}."
        )
    except DefusedXmlException:
        result.error(
            None,
            "file",
            "",
            "The file uses XML entities or external references, which are refused for safety.",
        )
    except (ValueError, UnicodeError, RecursionError) as exc:
        result.error(None, "file", "", f"The file could not be read as XML: {exc}.")
    return None


def _file_date(header: Element | None, result: ParseResult) -> dt.date | None:
    raw = _text(header, "DateTime")
    if not raw:
        result.notes.append("The header has no DateTime: Ever 6 is counted back from today.")
        return None
    try:
        return dt.date.fromisoformat(raw[:10])
    except ValueError:
        result.error(None, "DateTime", raw, "The header's DateTime is not a date (yyyy-mm-ddThh:mm:ss).")
        return None


def _pupil(
    number: int, pupil: Element, full: bool, file_date: dt.date, result: ParseResult
) -> SourceRow | None:
    def value(
        element: Element | None, path: str, parse: Callable[[Any], Any], *, required: bool = False
    ) -> Any:
        raw = _text(element, path)
        label = path.rsplit("/", 1)[-1]
        if raw is None or raw == "":
            if required:
                result.error(number, label, "", f"{label} is missing.")
            return None
        try:
            return parse(raw)
        except ValueProblem as problem:
            message = str(problem)
            result.error(number, label, raw, f"{label} {message}" if message[:1].islower() else message)
            return None

    upn = value(pupil, "UPN", parse_upn, required=True)
    sex_element = "Sex" if pupil.find("Sex") is not None else "Gender"
    row = SourceRow(
        row=number,
        upn=upn or "",
        labels={
            "upn": "UPN",
            "former_upns": "FormerUPN",
            "legal_surname": "Surname",
            "legal_forename": "Forename",
            "middle_names": "MiddleNames",
            "preferred_surname": "PreferredSurname",
            "preferred_forename": "PreferredForename",
            "date_of_birth": "DOB",
            "sex": sex_element,
            "nc_year": "NCyearActual",
            "ethnicity": "Ethnicity",
            "first_language": "Language",
            "sen_provision": "SENprovision",
            "primary_need": "SENtype",
            "secondary_need": "SENtype",
            "fsm": "FSMhistory",
            "fsm_ever6": "FSMhistory",
            "looked_after": "InCare",
        },
    )
    identity = row.identity
    for name, path, parse in (
        ("legal_surname", "Surname", _name),
        ("legal_forename", "Forename", _name),
        ("date_of_birth", "DOB", parse_date_of_birth),
        ("sex", sex_element, parse_sex),
    ):
        parsed = value(pupil, path, parse, required=True)
        if parsed is not None:
            identity[name] = parsed
    chars = row.characteristics
    details = pupil.find("BasicDetails")
    if details is not None:
        formers = []
        for element in details.findall("FormerUPN"):
            raw = (element.text or "").strip()
            if not raw:
                continue
            try:
                formers.append(parse_upn(raw))
            except ValueProblem as problem:
                result.error(number, "FormerUPN", raw, str(problem))
        row.former_upns = tuple(u for u in dict.fromkeys(formers) if u != upn)
        for name, path, parse in (
            ("preferred_surname", "PreferredSurname", _name),
            ("preferred_forename", "PreferredForename", _name),
            ("middle_names", "MiddleNames", _middle),
        ):
            identity[name] = value(details, path, parse) or ""
        for name, path, parse in (
            ("nc_year", "NCyearActual", parse_nc_year),
            ("ethnicity", "Ethnicity", parse_ethnicity),
        ):
            parsed = value(details, path, parse)
            if parsed is not None:
                chars[name] = parsed
        first = next(
            (t for t in details.findall("Languages/Type") if (_text(t, "LanguageType") or "").upper() == "F"),
            None,
        )
        language = value(first, "Language", parse_language)
        if language is not None:
            chars["first_language"] = language
            chars["eal"] = eal_from_language(language)
    _fsm(number, pupil.find("FSMhistory"), full, file_date, row, result)
    _sen(number, pupil.find("SENhistory"), full, file_date, row, result)
    in_care = _text(pupil, "LookedAfter/InCare")
    if in_care is not None:
        if in_care.lower() in _BOOL:
            chars["looked_after"] = _BOOL[in_care.lower()]
        else:
            result.error(number, "InCare", in_care, "InCare is not true or false.")
    elif full:
        chars["looked_after"] = False
    check_sen(row, result)
    return row if upn else None


def _date(number: int, element: Element, path: str, result: ParseResult) -> dt.date | None:
    raw = _text(element, path)
    if not raw:
        return None
    try:
        return parse_date(raw)
    except ValueProblem as problem:
        result.error(number, path, raw, f"{path} {problem}")
        return None


def _six_years_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 6)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 6, day=28)


def _fsm(
    number: int, history: Element | None, full: bool, file_date: dt.date, row: SourceRow, result: ParseResult
) -> None:
    if history is None:
        if full:
            row.characteristics.update(fsm=False, fsm_ever6=False)
        return
    window_start = _six_years_before(file_date)
    now = ever6 = False
    for instance in history.findall("FSMinstance"):
        start = _date(number, instance, "FSMstartDate", result)
        end = _date(number, instance, "FSMendDate", result)
        if start is None:
            if _text(instance, "FSMstartDate") is None:
                result.error(number, "FSMstartDate", "", "An FSM instance has no FSMstartDate.")
            continue
        if end is not None and end < start:
            result.error(number, "FSMendDate", end, "The FSM end date is before its start date.")
            continue
        if start > file_date:
            continue
        if end is None or end > file_date:
            now = True
        if end is None or end >= window_start:
            ever6 = True
    row.characteristics.update(fsm=now, fsm_ever6=ever6 or now)


def _sen(
    number: int, history: Element | None, full: bool, file_date: dt.date, row: SourceRow, result: ParseResult
) -> None:
    chars = row.characteristics
    if history is None:
        if full:
            chars.update(sen_provision="N", primary_need="", secondary_need="")
        return
    latest: tuple[dt.date, str, dt.date | None] | None = None
    for entry in history.findall("SEN"):
        start = _date(number, entry, "StartDate", result)
        raw = _text(entry, "SENprovision") or ""
        try:
            provision = parse_sen_provision(raw)
        except ValueProblem as problem:
            result.error(number, "SENprovision", raw, f"SENprovision {problem}")
            continue
        if start is None:
            result.error(number, "StartDate", "", "An SEN entry has no StartDate.")
            continue
        if latest is None or start > latest[0]:
            latest = (start, provision, _date(number, entry, "EndDate", result))
    if latest is None:
        if full:
            chars.update(sen_provision="N", primary_need="", secondary_need="")
        return
    _, provision, end = latest
    if end is not None and end < file_date:
        provision = "N"  # the latest provision has ended
    chars["sen_provision"] = provision
    if provision == "N":
        chars.update(primary_need="", secondary_need="")
        return
    needs: dict[str, tuple[dt.date, str]] = {}
    for need in history.findall("SENneeds/SENneed"):
        rank = _text(need, "SENtypeRank") or ""
        raw = _text(need, "SENtype") or ""
        if rank not in {"1", "2"}:
            continue  # needs ranked below 2 are not stored
        try:
            code = parse_sen_need(raw)
        except ValueProblem as problem:
            result.error(number, "SENtype", raw, f"SENtype {problem}")
            continue
        since = _date(number, need, "NeedStartDate", result) or dt.date.min
        if rank not in needs or since >= needs[rank][0]:
            needs[rank] = (since, code)
    chars["primary_need"] = needs["1"][1] if "1" in needs else ""
    chars["secondary_need"] = needs["2"][1] if "2" in needs else ""
