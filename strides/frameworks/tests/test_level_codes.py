"""The code book's year-and-band short forms (docs/frameworks.md, "Typing a level", step 3): every
documented form of every band of the national-curriculum bands names that band, whatever year the
pupil works in, and a short form never takes the place of a framework's own code or alias."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from strides.frameworks.level_codes import CodeBook, code_spellings, year_band_forms
from strides.frameworks.models import Framework, Level, Subject
from strides.frameworks.services import ensure_common_scale

pytestmark = pytest.mark.django_db

# the forms the docs list: the year as 3, Y3 or Year 3; the band as a first letter or a spelling
PREFIXES = ["", "Y", "Year", "Year ", "y", "year "]
GAPS = ["", " ", "-", "."]
BAND_WORDS = {
    "WTS": ["W", "WT", "WTS", "Working towards"],
    "EXS": ["E", "EX", "EXS", "EXP", "Expected"],
    "GDS": ["G", "GD", "GDS", "Greater depth"],
}


@pytest.fixture
def book(cast):
    """Reads a code for a pupil of north on the NC bands in reading, shorthand for ``band``."""
    ensure_common_scale(cast.trust)
    codes = CodeBook(cast.trust.pk)
    bands = Framework.objects.get(code="nc-bands", trust=None)
    reading = Subject.objects.get(code="reading")

    def read(text, band):
        found = codes.resolve(
            text, school_id=cast.north.pk, subject_id=reading.pk, framework=bands, band=band
        )
        return found.level.code if found else None

    return read


def test_every_documented_short_form_names_its_band_for_any_band_year(cast, book):
    forms = [
        (f"{prefix}{year}{gap}{word}", f"Y{year} {band}")
        for year in range(1, 12)
        for band, words in BAND_WORDS.items()
        for prefix, gap, word in itertools.product(PREFIXES, GAPS, words)
    ]
    assert len(forms) == 11 * 13 * len(PREFIXES) * len(GAPS)
    for band_year in (None, 1, 2, 3, 6, 11):
        wrong = [(text, code) for text, code in forms if book(text, band_year) != code]
        assert not wrong, (band_year, wrong[:5])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    year=st.integers(1, 11),
    band=st.sampled_from(sorted(BAND_WORDS)),
    data=st.data(),
    band_year=st.one_of(st.none(), st.integers(1, 11)),
)
def test_any_case_of_a_short_form_names_the_same_level_as_its_full_code(
    cast, book, year, band, data, band_year
):
    word = data.draw(st.sampled_from(BAND_WORDS[band]))
    text = data.draw(st.sampled_from(PREFIXES)) + f"{year}" + data.draw(st.sampled_from(GAPS)) + word
    text = "".join(c.upper() if data.draw(st.booleans()) else c.lower() for c in text)
    full = book(f"Y{year} {band}", band_year)
    assert full == f"Y{year} {band}"
    assert book(text, band_year) == full, text


def test_a_short_form_never_takes_a_code_s_place():
    """A bespoke framework whose Year 3 codes share a first letter has no "3E"; its own code
    "3EM" keeps its level even though "EM" would be a short form too."""
    framework = Framework(pk=1, code="x", name="X")
    levels = [
        Level(pk=1, framework=framework, code="Y3 Emerging", order=1),
        Level(pk=2, framework=framework, code="Y3 Expected", order=2),
        Level(pk=3, framework=framework, code="3EM", order=3),
    ]
    forms = year_band_forms(levels)
    assert "3E" not in forms and "Y3E" not in forms
    assert forms["3EMERGING"].pk == 1 and forms["YEAR3EXPECTED"].pk == 2
    assert forms["3EXPECTED"].pk == 2
    assert code_spellings(levels)["3EM"].pk == 3
