"""What the drop pages' tests share: their addresses, how a page's text and messages are read,
and a new school with one pupil (for baselines)."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from strides.assessment.models import DataDrop, DropSchool
from strides.audit.models import AuditEntry
from strides.organisations import services as organisations
from strides.organisations.models import Phase, SchoolType
from strides.pupils import services as pupils
from strides.pupils.upn import make_upn

LIST = reverse("assessment:drop_list")
CREATE = reverse("assessment:drop_create")
DEFAULTS = reverse("assessment:drop_create_defaults")
BASELINES = reverse("assessment:baselines")


def url(name: str, drop: DataDrop, school=None) -> str:
    kwargs = {"drop_slug": drop.slug}
    if school is not None:
        kwargs["urn"] = school.urn
    return reverse(f"assessment:{name}", kwargs=kwargs)


def status(drop, school) -> str:
    return DropSchool.objects.get(drop=drop, school=school).status


def transitions_audited(drop, school) -> list[dict]:
    part = DropSchool.objects.get(drop=drop, school=school)
    return [
        entry.after
        for entry in AuditEntry.objects.filter(
            object_type="assessment.DropSchool", object_id=str(part.pk)
        ).order_by("at", "id")
    ]


def shown_messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def text_of(response) -> str:
    return response.content.decode()


def main_of(response) -> str:
    """The page's own content, without the header (which names the signed-in user)."""
    page = text_of(response)
    return page[page.index("<main") : page.index("</main>")]


def new_school_with_pupil(cast, joined: dt.date):
    school = organisations.create_school(
        None,
        cast.trust,
        name="Newbridge Primary",
        urn="100020",
        la_code="804",
        establishment_number="2020",
        school_type=SchoolType.PRIMARY,
        phase=Phase.PRIMARY,
        joined_trust_on=joined,
    )
    record = pupils.PupilRecord(
        upn=make_upn(804, 2020, 21, 1),
        legal_forename="Nell",
        legal_surname="Newman",
        date_of_birth=dt.date(cast.today.year - 9, 1, 1),
        sex="F",
        characteristics={"nc_year": 4},
        enrolment_start=joined,
    )
    pupils.upsert_pupils(None, school, [record], effective=joined)
    return school


def arrived_weeks_ago(weeks: int) -> dt.date:
    """Every pupil on roll arrived ``weeks`` ago (whatever day the tests run)."""
    from strides.pupils.models import Enrolment

    arrived = dt.date.today() - dt.timedelta(weeks=weeks)
    Enrolment.objects.filter(end_date__isnull=True).update(start_date=arrived)
    return arrived
