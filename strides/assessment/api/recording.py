"""What a judgement written through the API is about: the school making it and the level typed.

Both are refused with a 400 that names the field and the value, before the service is called.
"""

from __future__ import annotations

from rest_framework import exceptions

from strides.access.actor import Actor
from strides.access.gate import can, visible_enrolments, visible_schools
from strides.access.judgements import visible_judgements
from strides.accounts.roles import Capability
from strides.assessment.models import DataDrop, DropSchool
from strides.assessment.queries import previous_judgements
from strides.frameworks.level_codes import CodeBook, pupil_band_year
from strides.frameworks.models import Level, Subject
from strides.frameworks.queries import FrameworkChooser, subjects_for
from strides.organisations.models import School
from strides.pupils.models import Pupil
from strides.pupils.queries import characteristics_as_at


def subject_of(drop: DataDrop, code: str) -> Subject:
    """The drop's subject with this code. Codes are unique within a trust (another trust may use
    the same code for its own subject), so the code is looked up among the drop's subjects."""
    wanted = code.strip().lower()
    collected = list(drop.subjects.order_by("order", "name"))
    subject = next((s for s in collected if s.code == wanted), None)
    if subject is None:
        codes = ", ".join(s.code for s in collected)
        known = {s.code: s for s in subjects_for(drop.trust_id, include_archived=True, every_school=True)}
        if wanted in known:
            message = f"{known[wanted].name} is not collected in {drop}: it collects {codes}."
        else:
            message = f"No subject {code!r} in {drop}: it collects {codes}."
        raise exceptions.ValidationError({"subject": [message]})
    return subject


def school_for(user: Actor, pupil: Pupil, drop: DataDrop, urn: str | None) -> School:
    """The school making the judgement: the one named, else the pupil's school in the drop through
    which the caller sees them (``visible_enrolments``: a school never learns where its leaver
    went), on roll on the drop's date first, else not left by then; of two, the one where the
    caller records."""
    in_drop = DropSchool.objects.filter(drop=drop).values("school_id")
    if urn:
        school = visible_schools(user).filter(urn=urn.strip()).first()
        if school is None:
            raise exceptions.ValidationError({"school": [f"No school with URN {urn!r}."]})
        if not DropSchool.objects.filter(drop=drop, school=school).exists():
            raise exceptions.ValidationError({"school": [f"{school} is not part of {drop}."]})
        return school
    enrolments = list(  # the schools through which the caller sees the pupil (ADR 2: never a leaver's next)
        visible_enrolments(user)
        .filter(pupil=pupil, school_id__in=in_drop)
        .select_related("school")
        .order_by("-start_date")
    )
    day = drop.assessed_on
    not_left = [e for e in enrolments if e.end_date is None or e.end_date >= day]  # not gone by then
    on_roll = [e for e in not_left if e.start_date <= day]
    schools = list({e.school_id: e.school for e in (on_roll or not_left)}.values())
    if len(schools) > 1:
        schools = [school for school in schools if can(user, Capability.RECORD_ASSESSMENT, school)] or schools
    if not schools:
        raise exceptions.ValidationError(
            {
                "pupil": [
                    f"{pupil.display_name} is not on the roll of any of your schools in {drop} "
                    f"(assessed on {day:%d/%m/%Y})."
                ]
            }
        )
    if len(schools) > 1:
        urns = " or ".join(school.urn for school in schools)
        raise exceptions.ValidationError(
            {
                "school": [
                    f"{pupil.display_name} is on more than one roll in {drop}: "
                    f"send the URN of the school judging ({urns})."
                ]
            }
        )
    return schools[0]


def level_for(
    user: Actor, pupil: Pupil, subject: Subject, drop: DataDrop, school: School, text: str
) -> Level:
    """The level meant by ``text``, by the one rule the grid and the spreadsheet import use
    (:class:`strides.frameworks.level_codes.CodeBook`): the pupil's framework for the subject (case and
    spacing forgiven) and its short forms, then its shorthand for their band year; a level of
    another framework is refused, naming it."""
    period = characteristics_as_at(pupil, drop.assessed_on)
    nc_year = period.nc_year if period else None
    chooser = FrameworkChooser(school.pk, [subject], drop.assessed_on)
    chosen = chooser.framework_for(pupil.pk, subject.pk, nc_year)
    readable = visible_judgements(user)  # the previous judgement as the caller may read it (ADR 11)
    before = previous_judgements(drop, [pupil.pk], [subject.pk], readable).get((pupil.pk, subject.pk))
    band = pupil_band_year(nc_year, before, drop)
    book = CodeBook(drop.trust_id)
    found = book.resolve(
        text,
        school_id=school.pk,
        subject_id=subject.pk,
        framework=chosen,
        band=band,
        chosen=chooser.chosen.get(subject.pk, ()),
    )
    if found is not None:
        return found.level
    refusal = book.not_a_level(text, chosen, band, subject.name, school_id=school.pk, subject_id=subject.pk)
    raise exceptions.ValidationError({"level": [refusal]})
