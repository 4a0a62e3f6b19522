from __future__ import annotations

import datetime as dt

import pytest

from strides.frameworks import shipped
from strides.frameworks.level_codes import CodeBook
from strides.frameworks.models import CrosswalkEntry, ExpectedPoint, Framework, Level, ScalePoint, Subject
from strides.frameworks.queries import FrameworkChooser
from strides.frameworks.services import (
    FrameworkError,
    assign_framework,
    create_framework,
    ensure_common_scale,
    normalise_code,
)

pytestmark = pytest.mark.django_db


def test_shipped_frameworks_are_installed_by_migration():
    codes = set(Framework.objects.filter(trust=None).values_list("code", flat=True))
    assert codes == {spec.code for spec in shipped.shipped_frameworks()}
    assert Level.objects.filter(framework__code="pre-key-stage").count() == 6
    assert Framework.objects.get(code="engagement").note_areas == shipped.ENGAGEMENT_AREAS


def test_every_shipped_level_is_on_the_default_crosswalk(cast):
    scale = ensure_common_scale(cast.trust)
    assert scale.name == "Next Steps" and scale.points.count() == 38
    mapped = set(CrosswalkEntry.objects.filter(crosswalk__scale=scale).values_list("level_id", flat=True))
    assert mapped == set(Level.objects.filter(framework__trust=None).values_list("pk", flat=True))
    assert ExpectedPoint.objects.filter(scale=scale).count() == 33
    expected_y6 = ExpectedPoint.objects.get(scale=scale, nc_year=6, term="summer").point.code
    ks2_exs = CrosswalkEntry.objects.get(
        crosswalk__scale=scale, level__framework__code="ks2-ta", level__code="EXS"
    )
    assert ks2_exs.point.code == expected_y6  # KS2 expected standard = Year 6 expected


def test_the_scale_is_ordered_from_engagement_to_gcse(cast):
    scale = ensure_common_scale(cast.trust)
    entry = {
        (e.level.framework.code, e.level.code): e.point.value
        for e in CrosswalkEntry.objects.filter(crosswalk__scale=scale).select_related(
            "level__framework", "point"
        )
    }
    assert entry[("engagement", "EM")] < entry[("pre-key-stage", "PK1")] < entry[("pre-key-stage", "PK6")]
    assert entry[("pre-key-stage", "PK6")] == entry[("nc-bands", "Y2 EXS")]
    assert entry[("gcse", "4")] == entry[("nc-bands", "Y11 EXS")] < entry[("gcse", "9")]


@pytest.mark.parametrize(
    ("typed", "framework", "code"),
    [
        ("pk4", "pre-key-stage", "PK4"),
        ("PK 4", "pre-key-stage", "PK4"),
        (" y3 exp", "nc-bands", "Y3 EXS"),
        ("Y3 Exp", "nc-bands", "Y3 EXS"),
        ("3EXS", "nc-bands", "Y3 EXS"),
        ("year 11 greater depth", "nc-bands", "Y11 GDS"),
        ("Entry 2", "entry-level", "EL2"),
        ("grade 4", "gcse", "4"),
    ],
)
def test_typed_codes_are_forgiven(cast, typed, framework, code):
    chosen = Framework.objects.get(code=framework, trust=None)
    subject = chosen.subjects.first() or Subject.objects.first()
    found = CodeBook(cast.trust.pk).resolve(
        typed, school_id=cast.north.pk, subject_id=subject.pk, framework=chosen
    )
    assert found is not None and (found.level.code, found.how) == (code, "code")


def test_unknown_codes_resolve_to_nothing(cast):
    bands = Framework.objects.get(code="nc-bands")
    subject = Subject.objects.first()
    book = CodeBook(cast.trust.pk)
    assert (
        book.resolve("Y3 Excellent", school_id=cast.north.pk, subject_id=subject.pk, framework=bands) is None
    )
    assert normalise_code("  p k-4 ") == "PK4"


def test_a_bespoke_framework_joins_the_crosswalk(cast):
    scale = ensure_common_scale(cast.trust)
    ns1, ns2 = ScalePoint.objects.filter(scale=scale, value__in=[1, 2]).order_by("value")
    framework = create_framework(
        cast.admin,
        cast.trust,
        "oak-steps",
        "Oakwood small steps",
        [("S1", "Step 1", "", ns1), ("S2", "Step 2", "", ns2)],
        school=cast.oak,
    )
    assert list(framework.levels.values_list("code", flat=True)) == ["S1", "S2"]
    assert CrosswalkEntry.objects.filter(level__framework=framework).count() == 2
    with pytest.raises(FrameworkError, match="already exists"):
        create_framework(cast.admin, cast.trust, "oak-steps", "Again", [("S1", "", "", ns1)])
    with pytest.raises(FrameworkError, match="same code"):
        create_framework(cast.admin, cast.trust, "x", "X", [("S1", "", "", ns1), ("s 1", "", "", ns2)])


def test_framework_choice_pupil_then_year_then_school_then_default(cast):
    from strides.frameworks.models import Subject

    reading = Subject.objects.get(code="reading")
    pks = Framework.objects.get(code="pre-key-stage")
    em = Framework.objects.get(code="engagement")
    day = dt.date(2026, 1, 1)
    chooser = FrameworkChooser(cast.north.pk, [reading], day)
    assert chooser.framework_for(cast.ava.pk, reading.pk, 3).code == "nc-bands"
    assign_framework(cast.head, cast.north, reading, pks, dt.date(2025, 9, 1), nc_year=3)
    assign_framework(cast.head, cast.north, reading, em, dt.date(2025, 12, 1), pupil=cast.ben)
    chooser = FrameworkChooser(cast.north.pk, [reading], day)
    assert chooser.framework_for(cast.ava.pk, reading.pk, 3).code == "pre-key-stage"
    assert chooser.framework_for(cast.ben.pk, reading.pk, 3).code == "engagement"
    assert chooser.framework_for(cast.ava.pk, reading.pk, 4).code == "nc-bands"
    # before the pupil's own choice began, the year group's applies
    earlier = FrameworkChooser(cast.north.pk, [reading], dt.date(2025, 10, 1))
    assert earlier.framework_for(cast.ben.pk, reading.pk, 3).code == "pre-key-stage"


def test_a_refused_code_is_explained_in_the_same_words_everywhere(cast):
    from types import SimpleNamespace

    from strides.frameworks.level_codes import CodeBook, pupil_band_year

    book = CodeBook(cast.trust.pk)
    bands = Framework.objects.get(code="nc-bands", trust=None)
    assert book.not_a_level(" Y3  Exx ", bands, 3, "Maths") == (
        "Y3 Exx is not a level of National curriculum year-group bands or of another framework "
        "the school uses: try Y3 WTS, Y3 EXS, Y3 GDS."
    )
    assert (
        book.not_a_level("W", None, 3, "Maths")
        == "W is not a level of a framework the school uses for Maths."
    )
    drop = SimpleNamespace(academic_year=SimpleNamespace(start_year=2026))
    assert pupil_band_year(10, None, drop) == 10
    assert pupil_band_year(10, SimpleNamespace(code="Y6 WTS", start_year=2025), drop) == 6
    assert pupil_band_year(4, SimpleNamespace(code="Y3 EXS", start_year=2025), drop) == 4
