"""What "at or above expected for age" means in every NC year and term (ADR 6): a pupil can be
recorded below the expected point within their own year's bands, and the expected point is the
year's expected standard, judged for the time of year."""

from __future__ import annotations

import pytest
from django.apps import apps

from strides.frameworks import shipped
from strides.frameworks.models import ExpectedPoint, Framework, Level, ScalePoint
from strides.frameworks.queries import expected_point_values
from strides.frameworks.services import adopt_expected_points_for_the_time_of_year, ensure_common_scale

pytestmark = pytest.mark.django_db


def test_every_year_and_term_has_levels_of_its_own_year_below_and_at_expected():
    values = {code: value for value, code, _, _ in shipped.scale_points()}
    bands = {level.code: values[level.point] for level in shipped.shipped_frameworks()[0].levels}
    for year, term, code in shipped.expected_points():
        expected = values[code]
        own_year = [bands[f"Y{year} {band}"] for band, _ in shipped.BANDS]
        below = [v for v in own_year if v < expected]
        at_or_above = [v for v in own_year if v >= expected]
        # a teacher typing W, E or G for a pupil of this year can say "below" as well as "at"
        assert below and at_or_above, (year, term)
        assert code == shipped.nc_point(year, "EXS"), (year, term)


def test_year_1_working_towards_is_below_expected_in_autumn_and_spring(cast):
    scale = ensure_common_scale(cast.trust)
    expected = expected_point_values(scale)
    y1_wts = ScalePoint.objects.get(scale=scale, code=shipped.nc_point(1, "WTS")).value
    y1_exs = ScalePoint.objects.get(scale=scale, code=shipped.nc_point(1, "EXS")).value
    for term in ("autumn", "spring", "summer"):
        assert y1_wts < expected[(1, term)] <= y1_exs


def old_table(scale) -> None:
    """Put a scale back on the table shipped before 2026-12, with the old descriptors."""
    points = {p.code: p for p in ScalePoint.objects.filter(scale=scale)}
    for year, term, code in shipped.expected_points_before_2026_12():
        ExpectedPoint.objects.filter(scale=scale, nc_year=year, term=term).update(point=points[code])
    for point in points.values():
        point.descriptor = point.descriptor.replace(" for the time of year.", " by year end.")
        point.save()
    Framework.objects.filter(code="nc-bands", trust=None).update(
        description=shipped.NC_BANDS_DESCRIPTION_BEFORE_2026_12
    )


def table(scale) -> set[tuple[int, str, str]]:
    return set(ExpectedPoint.objects.filter(scale=scale).values_list("nc_year", "term", "point__code"))


def test_a_trust_on_the_old_table_moves_and_one_that_changed_it_is_left_alone(cast):
    from strides.organisations import services as organisations

    scale = ensure_common_scale(cast.trust)
    other = ensure_common_scale(organisations.create_trust(None, "Other Trust", "other-trust"))
    old_table(scale)
    old_table(other)
    # the other trust changed one row itself
    ExpectedPoint.objects.filter(scale=other, nc_year=6, term="spring").update(
        point=ScalePoint.objects.get(scale=other, code="NS21")
    )
    edited = table(other)
    assert adopt_expected_points_for_the_time_of_year(apps) == 1
    assert table(scale) == set(shipped.expected_points())
    assert table(other) == edited
    assert ScalePoint.objects.get(scale=scale, code="NS5").descriptor == (
        "Year 1 curriculum, working towards for the time of year."
    )
    nc_bands = Framework.objects.get(code="nc-bands", trust=None)
    assert nc_bands.description == shipped.NC_BANDS_DESCRIPTION
    assert adopt_expected_points_for_the_time_of_year(apps) == 0  # once only
    # the levels and the crosswalk are untouched
    assert Level.objects.filter(framework=nc_bands).count() == 33
