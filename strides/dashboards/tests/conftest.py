"""The ``history`` fixture shared by every dashboards test: the cast with two academic years of
judgements, recorded through the real services. See :func:`history` for what it holds."""

from __future__ import annotations

import datetime as dt

import pytest

from strides.assessment.models import DataDrop, DropSchool, DropStatus
from strides.assessment.services import bulk_judgements as bulk
from strides.assessment.services import create_drop, transition
from strides.classes import services as classes
from strides.frameworks.models import Framework, Level, Subject
from strides.frameworks.services import assign_framework, ensure_common_scale
from strides.organisations import services as organisations
from strides.pupils import services as pupils
from strides.pupils.models import Pupil
from strides.pupils.upn import make_upn

SUBJECTS = ("reading", "writing", "maths")

# Level codes of the nc-bands framework for the four drops (last year's autumn, spring and
# summer, this year's autumn), with their common points (Y2 WTS = 8 ... Y3 EXS = 12; Y7 WTS = 23).
PRIMARY_PROFILES = {
    "steady": ("Y2 WTS", "Y2 WTS", "Y2 EXS", "Y3 WTS"),  # 8, 8, 9, 11: gains 3 = expected
    "strong": ("Y2 WTS", "Y2 EXS", "Y2 GDS", "Y3 EXS"),  # 8, 9, 10, 12: gains 4
    "slow": ("Y2 WTS", "Y2 WTS", "Y2 WTS", "Y2 GDS"),  # 8, 8, 8, 10: gains 2
    "fell_back": ("Y2 WTS", "Y2 EXS", "Y2 GDS", "Y2 EXS"),  # 8, 9, 10, 9: down one since summer
    "bottom": ("Y2 WTS", "Y2 WTS", "Y2 WTS", "Y2 WTS"),  # 8, 8, 8, 8: gains nothing
}
SECONDARY_PROFILES = {
    "steady": ("Y7 WTS", "Y7 WTS", "Y7 EXS", "Y8 WTS"),  # 23, 23, 24, 26
    "strong": ("Y7 WTS", "Y7 EXS", "Y7 GDS", "Y8 EXS"),  # 23, 24, 25, 27
}

# name: sex, FSM Ever 6 (last year, this year), SEN, primary need, EAL, ethnicity, maths profile,
# class. Reading and writing follow "strong" for the strong pupils and "steady" for everyone else.
NORTH = {
    "gus": ("M", (True, True), "N", "", False, "WBRI", "steady", "3T"),
    "hal": ("F", (True, True), "N", "", False, "WBRI", "steady", "3T"),
    "ida": ("F", (True, True), "N", "", False, "BCRB", "strong", "3T"),
    "jon": ("M", (True, True), "N", "", True, "APKN", "steady", "3T"),
    "kai": ("M", (False, True), "N", "", False, "WBRI", "steady", "3T"),
    "lea": ("F", (False, False), "N", "", False, "WBRI", "strong", "3T"),
    "max": ("M", (False, False), "K", "SPLD", False, "WBRI", "slow", "3B"),
    "nia": ("F", (False, False), "N", "", False, "MWBC", "steady", "3B"),
    "ola": ("F", (False, False), "N", "", False, "WBRI", "fell_back", "3B"),
    "pip": ("M", (False, False), "N", "", True, "BAFR", "bottom", "3B"),
    "rex": ("M", (False, False), "N", "", False, "WBRI", "steady", "3B"),
    "sky": ("F", (False, False), "N", "", False, "CHNE", "strong", "3B"),
}
RIVER = {"tia": ("F", "steady"), "uma": ("F", "strong"), "vic": ("M", "steady")}
# This year's autumn only, for the cast's pupils (they joined this year): (framework, code) per
# subject, in SUBJECTS order.
CAST_NOW = {
    "ava": (("nc-bands", "Y3 EXS"), ("nc-bands", "Y3 WTS"), ("nc-bands", "Y3 WTS")),
    "ben": (("pre-key-stage", "PK6"), ("pre-key-stage", "PK5"), ("nc-bands", "Y2 GDS")),
    "cara": (("nc-bands", "Y8 WTS"), ("nc-bands", "Y8 WTS"), ("nc-bands", "Y8 WTS")),
    "fay": (("pre-key-stage", "PK3"), ("pre-key-stage", "PK2"), ("pre-key-stage", "PK4")),
    "dev": (("nc-bands", "Y9 EXS"), ("nc-bands", "Y9 WTS"), ("nc-bands", "Y9 EXS")),
}


def _new_pupils(school, year_two_digits: int, people: dict, nc_year_then: int, start: dt.date, now: dt.date):
    """Pupils who joined ``school`` at ``start`` in NC year ``nc_year_then`` and moved up a year
    at ``now`` (with this year's characteristics), through the census import service."""

    def records(which: int, nc_year: int) -> list[pupils.PupilRecord]:
        out = []
        for serial, (name, spec) in enumerate(people.items(), start=1):
            sex, fsm, sen, need, eal, ethnicity = spec[0], spec[1], spec[2], spec[3], spec[4], spec[5]
            out.append(
                pupils.PupilRecord(
                    upn=make_upn(
                        int(school.la_code), int(school.establishment_number), year_two_digits, serial
                    ),
                    legal_forename=name.capitalize(),
                    legal_surname="History",
                    date_of_birth=dt.date(now.year - 5 - nc_year_then - 1, 3, 1),
                    sex=sex,
                    characteristics={
                        "nc_year": nc_year,
                        "fsm": fsm[which],
                        "fsm_ever6": fsm[which],
                        "sen_provision": sen,
                        "primary_need": need,
                        "eal": eal,
                        "first_language": "OTH" if eal else "ENG",
                        "ethnicity": ethnicity,
                    },
                    enrolment_start=start,
                )
            )
        return out

    pupils.upsert_pupils(None, school, records(0, nc_year_then), effective=start)
    pupils.upsert_pupils(None, school, records(1, nc_year_then + 1), effective=now)
    upns = {r.upn: name for r, name in zip(records(1, 0), people, strict=True)}
    return {upns[p.upn]: p for p in Pupil.objects.filter(upn__in=upns)}


def with_query(path: str, **params: object) -> str:
    """``path`` with ``params`` as its query string, as a page's own links and filters send them."""
    return path + "?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else path


def refused_like_a_missing_one(client, path: str, missing: str) -> None:
    """``path`` answers 404 for ``client``, exactly as ``missing`` (a page of nothing) does."""
    assert client.get(path).status_code == 404
    assert client.get(missing).status_code == 404


def fresh(user):
    """The user as a new request would load them (no scope cached on the object)."""
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def history(cast):
    """The cast (every attribute of ``cast`` is here too) with two academic years of judgements.

    **Years and drops** (``h.drops``, by key; ``h.last_year`` and ``h.year`` are AcademicYears):
    last year ``"last_autumn"``, ``"last_spring"``, ``"last_summer"`` (north and river, all three
    locked) and this year ``"autumn"`` (north, river, oak and bridge, in progress), each with
    reading, writing and maths, ``assessed_on`` = the deadline (about 20 Dec, 20 Mar, 27 Jun).
    ``h.current_drop`` is this year's autumn drop.

    **Pupils.** North has 14 pupils in Year 3 this year: the cast's ``ava`` (3T) and ``ben`` (3B),
    who joined this year and have this autumn's judgements only, and twelve who joined last year in
    Year 2 (``h.gus`` ... ``h.sky``, see ``NORTH``): gus, hal, ida, jon, kai, lea in 3T (taught by
    ``teacher`` and ``ta``), max, nia, ola, pip, rex, sky in 3B. River has ``cara`` plus ``tia``,
    ``uma``, ``vic`` (Year 7 last year, Year 8 now, all in 8R with ``other_teacher``); oak has
    ``fay``, bridge ``dev`` (placed by hillside), each with this autumn's judgements only.

    **Judgements**: 194 current judgements. Every pupil above has all three subjects in every drop
    of their school since they joined, except ``rex``, whose writing is missing from this autumn's
    drop (the current drop is part-complete). Maths follows each pupil's profile in
    ``PRIMARY_PROFILES``; reading and writing are "strong" for ida, lea, sky and uma, "steady" for
    the others.

    **Who stands out** (north, maths, a cell of 12 pupils starting at point 8):
    ``h.fell_back`` = ola: point 10 last summer, 9 this autumn (fallen back; also below expected
    progress over the year: 8 -> 9 against an expected rise of 3). ``h.bottom_decile`` = pip: 8 in
    every drop, the only pupil of the cell with no gain, percentile 100 x 0.5 / 12 = 4.2.
    ``h.below_expected`` = {max, ola, pip}: the pupils whose maths over the last year gained less
    than the expected rise of 3 (max 8 -> 10). Nobody else is flagged in any subject.

    **Groups at north this year** (14 pupils; threshold 6): sex F 7 / M 7 and disadvantaged
    6 (ava, gus, hal, ida, jon, kai) / 8 are shown; SEN K 2 (ben, max) against N 12, EAL 2 (jon, pip)
    against 12, ethnic groups Black 2, Asian 1, Mixed 1, Chinese 1, Unclassified 1 (ben) against
    White 8 are small. Last year north had 12 pupils of whom 4 were disadvantaged (kai became
    disadvantaged this year: characteristics are as at each drop's date).
    """
    c = cast
    ensure_common_scale(c.trust)
    c.year_start = c.year.starts_on
    c.last_year = organisations.ensure_academic_year(None, c.trust, c.year.start_year - 1)
    last_start = c.last_year.starts_on

    north = _new_pupils(c.north, 21, NORTH, 2, last_start, c.year_start)
    river_people = {name: (sex, (False, False), "N", "", False, "WBRI") for name, (sex, _) in RIVER.items()}
    river = _new_pupils(c.river, 22, river_people, 7, last_start, c.year_start)
    for name, pupil in {**north, **river}.items():
        setattr(c, name, pupil)
    classes.set_pupils(None, c.class_3t, [c.ava, *(north[n] for n, s in NORTH.items() if s[7] == "3T")])
    classes.set_pupils(None, c.class_3b, [c.ben, *(north[n] for n, s in NORTH.items() if s[7] == "3B")])
    classes.set_pupils(None, c.class_8r, [c.cara, *river.values()])

    subjects = {s.code: s for s in Subject.objects.filter(code__in=SUBJECTS)}
    levels = {
        (lv.framework.code, lv.code): lv
        for lv in Level.objects.filter(
            framework__trust=None, framework__code__in=["nc-bands", "pre-key-stage"]
        ).select_related("framework")
    }

    def drop(year, key, name, term, opens, deadline, schools):
        return key, create_drop(
            c.analyst,
            c.trust,
            year,
            name=name,
            term=term,
            opens_on=year.starts_on + dt.timedelta(days=opens),
            deadline=year.starts_on + dt.timedelta(days=deadline),
            schools=schools,
            subjects=[subjects[code] for code in SUBJECTS],
        )

    last_schools, now_schools = [c.north, c.river], [c.north, c.river, c.oak, c.bridge]
    c.drops = dict(
        [
            drop(c.last_year, "last_autumn", "Autumn", "autumn", 60, 110, last_schools),
            drop(c.last_year, "last_spring", "Spring", "spring", 150, 200, last_schools),
            drop(c.last_year, "last_summer", "Summer", "summer", 260, 300, last_schools),
            drop(c.year, "autumn", "Autumn", "autumn", 60, 110, now_schools),
        ]
    )
    c.current_drop = c.drops["autumn"]

    def profile_levels(name: str, subject: str, profiles: dict, maths_profile: str) -> tuple[str, ...]:
        if subject == "maths" or maths_profile == "strong":
            return profiles[maths_profile]
        return profiles["steady"]

    # A level must come from the framework the school uses for the pupil (frameworks.level_codes): ben
    # and fay are assessed on pre-key stage standards where CAST_NOW says so, by their own choice.
    pre_key_stage = Framework.objects.get(trust=None, code="pre-key-stage")
    for name, school in (("ben", c.north), ("fay", c.oak)):
        pupil = getattr(c, name)
        for subject, (framework_code, _) in zip(SUBJECTS, CAST_NOW[name], strict=True):
            if framework_code == pre_key_stage.code:
                assign_framework(None, school, subjects[subject], pre_key_stage, c.year_start, pupil=pupil)

    for index, key in enumerate(c.drops):
        rows = []
        for name, spec in NORTH.items():
            for subject in SUBJECTS:
                if key == "autumn" and name == "rex" and subject == "writing":
                    continue
                code = profile_levels(name, subject, PRIMARY_PROFILES, spec[6])[index]
                rows.append(bulk.JudgementRow(north[name], subjects[subject], levels["nc-bands", code]))
        for name, (_, profile) in RIVER.items():
            for subject in SUBJECTS:
                code = profile_levels(name, subject, SECONDARY_PROFILES, profile)[index]
                rows.append(bulk.JudgementRow(river[name], subjects[subject], levels["nc-bands", code]))
        if key == "autumn":
            for name, per_subject in CAST_NOW.items():
                for subject, level_key in zip(SUBJECTS, per_subject, strict=True):
                    rows.append(bulk.JudgementRow(getattr(c, name), subjects[subject], levels[level_key]))
        result = bulk.record_judgements(None, c.drops[key], rows, reason="history fixture", dry_run=False)
        assert result.committed, result.errors
    for key in ("last_autumn", "last_spring", "last_summer"):
        for part in DropSchool.objects.filter(drop=c.drops[key]):
            transition(c.analyst, part, DropStatus.LOCKED)
    c.drops = {key: DataDrop.objects.get(pk=d.pk) for key, d in c.drops.items()}
    c.current_drop = c.drops["autumn"]

    c.fell_back = c.ola
    c.bottom_decile = c.pip
    c.below_expected = {c.max, c.ola, c.pip}
    c.north_now = [c.ava, c.ben, *north.values()]
    c.judgement_count = 194
    return c
