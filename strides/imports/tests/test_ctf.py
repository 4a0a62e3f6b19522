"""The CTF parser and import: the two reference SIMS files, destination school, bad XML."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from strides.imports.ctf import parse_ctf
from strides.organisations import services as organisations
from strides.organisations.models import Phase, SchoolType
from strides.pupils.models import CharacteristicsPeriod, Enrolment, FormerUpn, Pupil

# The redacted SIMS samples live beside the repository (../shared/reference/ctf), not in it: they
# derive from GPL-3.0 files, see their README.
REFERENCE = Path(__file__).resolve().parents[3].parent / "shared" / "reference" / "ctf"
TWO_PUPILS = REFERENCE / "sims_ctf19_full_2pupils_REDACTED.xml"
ONE_PUPIL = REFERENCE / "sims_ctf19_full_1pupil_KS1_REDACTED.xml"
needs_samples = pytest.mark.skipif(not TWO_PUPILS.exists(), reason="reference CTF samples not present")


def ctf(
    pupils: str,
    *,
    dest: str = "<LEA>838</LEA><Estab>9002</Estab><URN>XXXXXX</URN>",
    qualifier: str = "full",
    when: str = "2025-06-30T10:00:00",
) -> bytes:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<CTfile><Header><DocumentName>Common Transfer File</DocumentName><CTFversion>25.0</CTFversion>
<DateTime>{when}</DateTime><DocumentQualifier>{qualifier}</DocumentQualifier><SupplierID>TEST</SupplierID>
<SourceSchool><LEA>801</LEA><Estab>2001</Estab><URN>100001</URN></SourceSchool>
<DestSchool>{dest}</DestSchool></Header>
<CTFpupilData>{pupils}</CTFpupilData></CTfile>""".encode()


def pupil(upn="Q838900112001", *, sex="<Sex>F</Sex>", dob="2015-03-01", details="", extra="") -> str:
    return f"""<Pupil><UPN>{upn}</UPN><Surname>Example</Surname><Forename>Alex</Forename><DOB>{dob}</DOB>{sex}
<BasicDetails><NCyearActual>5</NCyearActual><Ethnicity>WBRI</Ethnicity>{details}</BasicDetails>{extra}</Pupil>"""


@pytest.fixture
def dest_school(cast):
    return organisations.create_school(
        None,
        cast.trust,
        name="Example Primary",
        urn="123456",
        la_code="838",
        establishment_number="9002",
        school_type=SchoolType.PRIMARY,
        phase=Phase.PRIMARY,
    )


@needs_samples
def test_the_two_pupil_reference_file_maps_every_field():
    result = parse_ctf(TWO_PUPILS.read_bytes())
    assert result.errors == []
    assert result.file_date == dt.date(2020, 4, 29)
    assert (result.destination.la_code, result.destination.establishment_number) == ("838", "9002")
    alex, sam = result.rows
    assert alex.upn == "Q838900112001"
    assert alex.identity["legal_surname"] == "EXAMPLEONE"
    assert alex.identity["middle_names"] == "Sample"
    assert alex.identity["date_of_birth"] == dt.date(2009, 3, 1)
    assert alex.identity["sex"] == "M"
    assert alex.characteristics == {
        "nc_year": 6,
        "ethnicity": "WBRI",
        "first_language": "ENG",
        "eal": False,
        "fsm": False,
        "fsm_ever6": False,
        "sen_provision": "N",
        "primary_need": "",
        "secondary_need": "",
        "looked_after": False,
    }
    assert sam.former_upns == ("A83890011301A",)  # a temporary UPN
    # SEN support ended in 2016; the latest provision is N, so the old needs are not current
    assert sam.characteristics["sen_provision"] == "N"
    assert sam.characteristics["primary_need"] == ""


@needs_samples
def test_the_key_stage_1_reference_file_has_no_urn_and_an_old_fsm_spell():
    result = parse_ctf(ONE_PUPIL.read_bytes())
    assert result.errors == []
    assert result.destination.urn == ""
    (jo,) = result.rows
    assert jo.characteristics["nc_year"] == 11
    assert jo.characteristics["ethnicity"] == "BAFR"
    # FSM from 2012 to 2013 is more than six years before the file's date (June 2020)
    assert (jo.characteristics["fsm"], jo.characteristics["fsm_ever6"]) == (False, False)


@needs_samples
def test_import_ctf_command_imports_the_reference_file_into_its_destination(dest_school, capsys):
    call_command("import_ctf", str(TWO_PUPILS), "--json")
    report = json.loads(capsys.readouterr().out)
    assert report == {"created": 2, "updated": 0, "unchanged": 0, "errors": []}
    sam = Pupil.objects.get(upn="Q838900113002")
    assert Enrolment.objects.filter(pupil=sam, school=dest_school, end_date__isnull=True).exists()
    assert FormerUpn.objects.filter(pupil=sam, upn="A83890011301A").exists()
    period = CharacteristicsPeriod.objects.get(pupil=sam, valid_to__isnull=True)
    assert (period.nc_year, period.ethnicity, period.sen_provision) == (6, "WBRI", "N")
    # the same file again changes nothing
    call_command("import_ctf", str(TWO_PUPILS), "--json")
    assert json.loads(capsys.readouterr().out)["unchanged"] == 2


@needs_samples
def test_a_pupil_known_by_a_temporary_upn_is_matched_by_the_former_upn(dest_school, capsys):
    from strides.pupils.services import PupilRecord, upsert_pupils

    upsert_pupils(
        None,
        dest_school,
        [
            PupilRecord(
                upn="A83890011301A",
                legal_forename="Sam",
                legal_surname="EXAMPLETWO",
                date_of_birth=dt.date(2009, 5, 1),
                sex="F",
                characteristics={"nc_year": 6},
            )
        ],
    )
    call_command("import_ctf", str(TWO_PUPILS), "--json")
    assert json.loads(capsys.readouterr().out)["updated"] == 1
    sam = Pupil.objects.get(upn="Q838900113002")
    assert list(sam.former_upns.values_list("upn", flat=True)) == ["A83890011301A"]
    assert Pupil.objects.count() == 6 + 2  # the cast's six, Alex, and Sam (not a second Sam)


@needs_samples
def test_the_key_stage_1_file_needs_a_school_when_its_destination_is_unknown(dest_school, capsys):
    with pytest.raises(CommandError) as refused:
        call_command("import_ctf", str(ONE_PUPIL), "--json")
    assert refused.value.returncode == 1
    errors = json.loads(capsys.readouterr().out)["errors"]
    assert errors[0]["field"] == "DestSchool"
    assert "not a school in Strides" in errors[0]["message"]
    assert not Pupil.objects.filter(upn="E933900309001").exists()
    call_command("import_ctf", str(ONE_PUPIL), "--school", "123456", "--json")
    assert json.loads(capsys.readouterr().out)["created"] == 1


def test_a_file_addressed_outside_the_trust_is_refused(cast, tmp_path, capsys):
    path = tmp_path / "to-hillside.xml"
    path.write_bytes(ctf(pupil(), dest="<LEA>803</LEA><Estab>4002</Estab><URN>100009</URN>"))
    before = Pupil.objects.count()
    with pytest.raises(CommandError):
        call_command("import_ctf", str(path), "--json")
    error = json.loads(capsys.readouterr().out)["errors"][0]
    assert "Hillside Academy" in error["message"] and "not a school of the trust" in error["message"]
    with pytest.raises(CommandError):
        call_command("import_ctf", str(path), "--school", "100009", "--json")
    assert "not a school of the trust" in json.loads(capsys.readouterr().out)["errors"][0]["message"]
    assert Pupil.objects.count() == before


def test_the_destination_urn_is_used_when_given(cast, tmp_path, capsys):
    path = tmp_path / "to-north.xml"
    path.write_bytes(ctf(pupil(), dest="<LEA>801</LEA><Estab>2001</Estab><URN>100001</URN>"))
    call_command("import_ctf", str(path), "--json")
    assert json.loads(capsys.readouterr().out)["created"] == 1
    assert Enrolment.objects.filter(pupil__upn="Q838900112001", school=cast.north).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"<CTfile><Header>", "not well-formed XML (line 1"),
        (b"UPN,Surname\nA,B\n", "not well-formed XML"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not well-formed XML"),
        (b"<Pupils><Pupil/></Pupils>", "root element is <Pupils>"),
        (b"<ATfile/>", "admissions transfer file"),
        (b'<!DOCTYPE x [<!ENTITY a "aaaa">]><CTfile>&a;</CTfile>', "refused for safety"),
        (b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><CTfile>&e;</CTfile>', "refused for safety"),
        (b"<CTfile><Header/></CTfile>", "holds no pupils"),
    ],
)
def test_bad_xml_is_a_clear_file_error(data, message):
    result = parse_ctf(data)
    assert result.rows == []
    assert message in result.errors[0].message
    assert result.errors[0].row is None


def test_bad_xml_through_the_command_exits_1_with_a_message(cast, tmp_path, capsys):
    path = tmp_path / "broken.xml"
    path.write_bytes(b"<CTfile><Header>")
    with pytest.raises(CommandError) as refused:
        call_command("import_ctf", str(path), "--school", "100001")
    assert refused.value.returncode == 1
    out = capsys.readouterr().out
    assert "not well-formed XML" in out and "Nothing was written" in out


def test_bad_values_name_the_pupil_element_and_value():
    result = parse_ctf(
        ctf(
            pupil("Q838900112001", dob="2015-02-30")
            + pupil("NOTAUPN", sex="<Gender>X</Gender>")
            + pupil(
                "Q838900113002",
                details="<Languages><Type><LanguageType>F</LanguageType><Language>Polish</Language></Type></Languages>",
            )
            + pupil("Q838900112001")
        )
    )
    found = [(e.row, e.field, e.value) for e in result.errors]
    assert found == [
        (1, "DOB", "2015-02-30"),
        (2, "UPN", "NOTAUPN"),
        (2, "Gender", "X"),
        (3, "Language", "Polish"),
        (4, "UPN", "Q838900112001"),
    ]
    assert "also appears for pupil 1" in result.errors[-1].message


def test_a_pupil_with_neither_sex_nor_gender_is_refused():
    result = parse_ctf(ctf(pupil(sex="")))
    assert [(e.field, e.message) for e in result.errors] == [("Gender", "Gender is missing.")]


def test_fsm_now_ever6_sen_needs_and_looked_after():
    history = """<LookedAfter><InCare>true</InCare><CareAuthority>838</CareAuthority></LookedAfter>
<FSMhistory><FSMinstance><FSMstartDate>2018-01-01</FSMstartDate><FSMendDate>2020-01-01</FSMendDate></FSMinstance></FSMhistory>
<SENhistory><SEN><StartDate>2023-01-01</StartDate><SENprovision>E</SENprovision></SEN>
<SEN><StartDate>2021-01-01</StartDate><SENprovision>K</SENprovision><EndDate>2022-12-31</EndDate></SEN>
<SENneeds><SENneed><NeedStartDate>2021-01-01</NeedStartDate><SENtypeRank>1</SENtypeRank><SENtype>MLD</SENtype></SENneed>
<SENneed><NeedStartDate>2023-01-01</NeedStartDate><SENtypeRank>1</SENtypeRank><SENtype>ASD</SENtype></SENneed>
<SENneed><NeedStartDate>2023-01-01</NeedStartDate><SENtypeRank>2</SENtypeRank><SENtype>SLCN</SENtype></SENneed>
<SENneed><NeedStartDate>2023-01-01</NeedStartDate><SENtypeRank>3</SENtypeRank><SENtype>VI</SENtype></SENneed></SENneeds></SENhistory>"""
    (row,) = parse_ctf(ctf(pupil(extra=history))).rows
    chars = row.characteristics
    assert (chars["fsm"], chars["fsm_ever6"]) == (False, True)  # ended 2020, within six years of 2025
    assert (chars["sen_provision"], chars["primary_need"], chars["secondary_need"]) == ("E", "ASD", "SLCN")
    assert chars["looked_after"] is True
    current = "<FSMhistory><FSMinstance><FSMstartDate>2024-09-01</FSMstartDate></FSMinstance></FSMhistory>"
    (row,) = parse_ctf(ctf(pupil(extra=current))).rows
    assert (row.characteristics["fsm"], row.characteristics["fsm_ever6"]) == (True, True)
    old = (
        "<FSMhistory><FSMinstance><FSMstartDate>2015-09-01</FSMstartDate>"
        "<FSMendDate>2019-06-01</FSMendDate></FSMinstance></FSMhistory>"
    )
    (row,) = parse_ctf(ctf(pupil(extra=old))).rows
    assert (row.characteristics["fsm"], row.characteristics["fsm_ever6"]) == (False, False)


def test_eal_is_a_first_language_other_than_english():
    languages = (
        "<Languages><Type><LanguageType>H</LanguageType><Language>ENG</Language></Type>"
        "<Type><LanguageType>F</LanguageType><Language>POL</Language></Type></Languages>"
    )
    (row,) = parse_ctf(ctf(pupil(details=languages))).rows
    assert (row.characteristics["first_language"], row.characteristics["eal"]) == ("POL", True)


def test_a_partial_ctf_leaves_what_it_does_not_send():
    result = parse_ctf(ctf(pupil(), qualifier="partial"))
    (row,) = result.rows
    assert "fsm" not in row.characteristics and "sen_provision" not in row.characteristics
    assert "looked_after" not in row.characteristics
    assert "partial CTF" in result.notes[0]


def test_a_namespaced_file_is_read():
    data = ctf(pupil()).replace(b"<CTfile>", b'<CTfile xmlns="urn:example:ctf">')
    assert len(parse_ctf(data).rows) == 1
