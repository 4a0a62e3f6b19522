"""The named cast used across the test suite: a small trust with one user per role.

Built through the real services, so tests exercise the same code as real data. Every test that
checks access uses these people, so a reader always knows who can see what:

- schools: ``north`` (Northfield Primary), ``river`` (Riverside Secondary), ``oak`` (Oakwood
  Special), ``bridge`` (Bridge AP) in the trust; ``hillside`` (Hillside Academy) outside it,
  which places pupils at Bridge.
- pupils: ``ava`` (north, Year 3, in class 3T), ``ben`` (north, Year 3, in class 3B), ``cara``
  (river, Year 8), ``fay`` (oak, EHCP), ``dev`` (at bridge, placed by hillside, placement open),
  ``eli`` (at bridge, placed by hillside, placement ended).
- users, one per role: ``admin``, ``analyst``, ``eap`` (assigned to north), ``director``,
  ``head`` / ``senior`` / ``senco`` / ``subject_leader`` / ``teacher`` (3T) / ``ta`` (3T) /
  ``governor`` at north, ``other_teacher`` and ``river_head`` (headteacher) at river, ``placing``
  (hillside contact), ``parent`` (ava's parent). ``river_head`` holds at river every capability
  ``head`` holds at north: the one to check "may do this, but at another school".
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from strides.accounts import services as accounts
from strides.accounts.roles import Role
from strides.classes import services as classes
from strides.classes.models import StaffRole
from strides.organisations import services as organisations
from strides.organisations.models import AcademicYear, OfficerKind, Phase, SchoolType
from strides.pupils import services as pupils
from strides.pupils.census_codes import RegistrationType
from strides.pupils.models import Enrolment
from strides.pupils.upn import make_upn

PASSWORD = "Strides-test-password-2026"  # noqa: S105 - test data


def build_cast(today: dt.date | None = None) -> SimpleNamespace:
    today = today or dt.date.today()
    c = SimpleNamespace(today=today, password=PASSWORD)
    c.trust = organisations.create_trust(None, "Test Trust", "test-trust")
    c.year = organisations.ensure_academic_year(None, c.trust, AcademicYear.start_year_for(today))
    year_start = c.year.starts_on

    def school(name, urn, la, estab, school_type, phase, trust=c.trust):
        return organisations.create_school(
            None,
            trust,
            name=name,
            urn=urn,
            la_code=la,
            establishment_number=estab,
            school_type=school_type,
            phase=phase,
            joined_trust_on=dt.date(2018, 9, 1) if trust else None,
        )

    c.north = school("Northfield Primary", "100001", "801", "2001", SchoolType.PRIMARY, Phase.PRIMARY)
    c.river = school("Riverside Secondary", "100002", "801", "4001", SchoolType.SECONDARY, Phase.SECONDARY)
    c.oak = school("Oakwood Special", "100003", "802", "7001", SchoolType.SPECIAL, Phase.ALL_THROUGH)
    c.bridge = school("Bridge AP", "100004", "802", "1101", SchoolType.AP, Phase.SECONDARY)
    c.hillside = school(
        "Hillside Academy", "100009", "803", "4002", SchoolType.SECONDARY, Phase.SECONDARY, None
    )

    def pupil(school, serial, forename, surname, nc_year, *, start=year_start, placing=None, **chars):
        upn = make_upn(int(school.la_code), int(school.establishment_number), 20, serial)
        record = pupils.PupilRecord(
            upn=upn,
            legal_forename=forename,
            legal_surname=surname,
            date_of_birth=dt.date(today.year - 5 - nc_year, 3, 1),
            sex="F" if serial % 2 else "M",
            characteristics={"nc_year": nc_year, **chars},
            enrolment_start=start,
            registration=RegistrationType.SUBSIDIARY_DUAL if placing else RegistrationType.SINGLE,
            placing_school_id=placing.pk if placing else None,
        )
        pupils.upsert_pupils(None, school, [record], effective=start)
        from strides.pupils.models import Pupil

        return Pupil.objects.get(upn=upn)

    c.ava = pupil(
        c.north,
        1,
        "Ava",
        "Archer",
        3,
        fsm=True,
        fsm_ever6=True,
        ethnicity="WBRI",
        first_language="ENG",
    )
    c.ben = pupil(c.north, 2, "Ben", "Baker", 3, sen_provision="K", primary_need="SPLD")
    c.cara = pupil(c.river, 3, "Cara", "Carter", 8, eal=True, first_language="POL", ethnicity="WOTH")
    c.fay = pupil(c.oak, 5, "Fay", "Fisher", 5, sen_provision="E", primary_need="SLD", secondary_need="VI")
    c.dev = pupil(c.bridge, 7, "Dev", "Dhillon", 10, placing=c.hillside, ethnicity="AIND")
    c.eli = pupil(
        c.bridge,
        9,
        "Eli",
        "Ellis",
        10,
        placing=c.hillside,
        start=year_start - dt.timedelta(days=120),
    )
    eli_enrolment = Enrolment.objects.get(pupil=c.eli, school=c.bridge)
    pupils.end_enrolment(None, eli_enrolment, year_start - dt.timedelta(days=30), "placement_ended")

    c.class_3t = classes.create_group(None, c.north, c.year, "3T", nc_year=3)
    c.class_3b = classes.create_group(None, c.north, c.year, "3B", nc_year=3)
    c.class_8r = classes.create_group(None, c.river, c.year, "8R", nc_year=8)
    classes.set_pupils(None, c.class_3t, [c.ava])
    classes.set_pupils(None, c.class_3b, [c.ben])
    classes.set_pupils(None, c.class_8r, [c.cara])

    def user(username, role, school=None, first="", last=""):
        u = accounts.create_user(
            None, username, first_name=first, last_name=last, password=PASSWORD, validate=False
        )
        if role is not None:
            accounts.grant_role(None, u, role, c.trust, school)
        return u

    c.admin = user("admin", Role.TRUST_ADMIN, first="Ada", last="Admin")
    c.analyst = user("analyst", Role.TRUST_ANALYST, first="Ana", last="Lyst")
    c.eap = user("eap", Role.EAP, first="Eve", last="Partner")
    organisations.assign_officer(None, c.north, c.eap, OfficerKind.EAP)
    c.director = user("director", Role.DIRECTOR, first="Dan", last="Director")
    c.head = user("head", Role.HEADTEACHER, c.north, "Hana", "Head")
    c.senior = user("senior", Role.SENIOR_LEADER, c.north, "Sam", "Senior")
    c.senco = user("senco", Role.SENCO, c.north, "Sena", "Coe")
    c.subject_leader = user("subject_leader", Role.SUBJECT_LEADER, c.north, "Sue", "Subject")
    c.teacher = user("teacher", Role.TEACHER, c.north, "Tom", "Teacher")
    c.ta = user("ta", Role.TEACHING_ASSISTANT, c.north, "Tara", "Assistant")
    c.governor = user("governor", Role.GOVERNOR, c.north, "Gil", "Governor")
    c.other_teacher = user("other_teacher", Role.TEACHER, c.river, "Otto", "Other")
    c.river_head = user("river_head", Role.HEADTEACHER, c.river, "Rhea", "Rivers")
    c.placing = user("placing", Role.PLACING_CONTACT, c.hillside, "Pat", "Placing")
    c.parent = user("parent", None, first="Paula", last="Parent")
    accounts.link_parent(None, c.parent, c.ava, c.trust, "mother")
    classes.assign_staff(None, c.class_3t, c.teacher, StaffRole.TEACHER)
    classes.assign_staff(None, c.class_3t, c.ta, StaffRole.TEACHING_ASSISTANT)
    classes.assign_staff(None, c.class_8r, c.other_teacher, StaffRole.TEACHER)
    c.users = {
        name: getattr(c, name)
        for name in (
            "admin",
            "analyst",
            "eap",
            "director",
            "head",
            "senior",
            "senco",
            "subject_leader",
            "teacher",
            "ta",
            "governor",
            "other_teacher",
            "river_head",
            "placing",
            "parent",
        )
    }
    return c


def add_mover(c: SimpleNamespace) -> SimpleNamespace:
    """``c.mia``: a pupil who moved from north to river, for the tests of what a school still
    sees of a leaver. At north from 900 days ago (FSM from 200 days ago, recorded by north), left
    north 60 days ago, on roll at river from the next day; river recorded an EHCP (ASD) 30 days
    ago. Dates are kept on ``c.mia_*``."""
    today = c.today
    c.mia_joined = today - dt.timedelta(days=900)
    c.mia_fsm_from = today - dt.timedelta(days=200)
    c.mia_left = today - dt.timedelta(days=60)
    c.mia_ehcp_from = today - dt.timedelta(days=30)
    upn = make_upn(int(c.north.la_code), int(c.north.establishment_number), 18, 11)
    record = pupils.PupilRecord(
        upn=upn,
        legal_forename="Mia",
        legal_surname="Moss",
        date_of_birth=dt.date(today.year - 11, 5, 1),
        sex="F",
        characteristics={"nc_year": 6},
        enrolment_start=c.mia_joined,
    )
    pupils.upsert_pupils(None, c.north, [record], effective=c.mia_joined)
    from strides.pupils.models import Pupil

    c.mia = Pupil.objects.get(upn=upn)
    pupils.change_characteristics(c.head, c.mia, {"fsm": True}, effective=c.mia_fsm_from)
    pupils.end_enrolment(c.head, Enrolment.objects.get(pupil=c.mia, school=c.north), c.mia_left, "transfer")
    pupils.enrol(c.river_head, c.mia, c.river, c.mia_left + dt.timedelta(days=1))
    pupils.change_characteristics(
        c.river_head,
        c.mia,
        {"sen_provision": "E", "primary_need": "ASD", "nc_year": 7},
        effective=c.mia_ehcp_from,
    )
    return c


def add_past_year_class(c: SimpleNamespace) -> SimpleNamespace:
    """``c.class_past``: north's class 5P of two years ago (``c.past_year``), whose pupils have
    both left north since: ``c.old_leaver`` (Olga Oldleaver) 400 days ago, before the leaver window
    (``gate.leaver_window``), so north may no longer name her; ``c.recent_leaver`` (Rita
    Recentleaver) 100 days ago, within it."""
    c.past_year = organisations.ensure_academic_year(None, c.trust, c.year.start_year - 2)
    joined = c.past_year.starts_on - dt.timedelta(days=400)
    people = {}
    for serial, forename, surname, days_ago in (
        (40, "Olga", "Oldleaver", 400),
        (41, "Rita", "Recentleaver", 100),
    ):
        upn = make_upn(int(c.north.la_code), int(c.north.establishment_number), 19, serial)
        record = pupils.PupilRecord(
            upn=upn,
            legal_forename=forename,
            legal_surname=surname,
            date_of_birth=dt.date(c.today.year - 12, 1, 1),
            sex="F",
            characteristics={"nc_year": 5},
            enrolment_start=joined,
        )
        pupils.upsert_pupils(None, c.north, [record], effective=joined)
        from strides.pupils.models import Pupil

        people[surname] = (Pupil.objects.get(upn=upn), days_ago)
    c.old_leaver, c.recent_leaver = people["Oldleaver"][0], people["Recentleaver"][0]
    c.class_past = classes.create_group(None, c.north, c.past_year, "5P", nc_year=5)
    classes.set_pupils(None, c.class_past, [c.old_leaver, c.recent_leaver])
    for pupil, days_ago in people.values():
        enrolment = Enrolment.objects.get(pupil=pupil, school=c.north)
        pupils.end_enrolment(None, enrolment, c.today - dt.timedelta(days=days_ago), "transfer")
    return c


def add_year_group(c: SimpleNamespace, nc_year: int, count: int) -> SimpleNamespace:
    """``count`` more pupils on north's roll from the start of the year, in ``nc_year``: Pupil0
    Extra000, Pupil1 Extra001, ... (north has Ava and Ben in Year 3 already). Once per year
    group in a test: their UPNs are numbered from ``nc_year`` (up to 100 pupils)."""
    records = [
        pupils.PupilRecord(
            upn=make_upn(int(c.north.la_code), int(c.north.establishment_number), 21, nc_year * 100 + n),
            legal_forename=f"Pupil{n}",
            legal_surname=f"Extra{n:03d}",
            date_of_birth=dt.date(c.today.year - 5 - nc_year, 1, 1),
            sex="M",
            characteristics={"nc_year": nc_year},
            enrolment_start=c.year.starts_on,
        )
        for n in range(count)
    ]
    pupils.upsert_pupils(None, c.north, records, effective=c.year.starts_on)
    return c


def add_autumn_drop(c: SimpleNamespace, **changes: object):
    """The trust's Autumn drop of the cast's year, on the common scale: north and river, opening
    60 days into the year and due 50 days later, every subject unless ``changes`` say otherwise
    (any argument of ``create_drop``: ``schools``, ``subjects``, ``assessed_on``...)."""
    from strides.assessment.services import create_drop
    from strides.frameworks.services import ensure_common_scale

    ensure_common_scale(c.trust)
    arguments: dict = {
        "name": "Autumn",
        "term": "autumn",
        "opens_on": c.year.starts_on + dt.timedelta(days=60),
        "deadline": c.year.starts_on + dt.timedelta(days=110),
        "schools": [c.north, c.river],
    }
    arguments.update(changes)
    return create_drop(c.analyst, c.trust, c.year, **arguments)
