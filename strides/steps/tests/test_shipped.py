"""The shipped examples (strides/steps/shipped.py, migration 0002): one of each shape, sane, original
and installed once however often the installer runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.apps import apps

from strides.steps import shipped
from strides.steps.models import (
    AchievementLevel,
    Shape,
    Statement,
    StatementWording,
    Step,
    StepArea,
    StepFramework,
)
from strides.steps.services.frameworks import DEFAULT_LEVELS, ENGAGEMENT_AREAS
from strides.steps.sheets import read_statements, to_csv

pytestmark = pytest.mark.django_db

DOCS = Path(__file__).resolve().parents[3] / "docs" / "templates"


def shipped_frameworks() -> dict[str, StepFramework]:
    return {f.shape: f for f in StepFramework.objects.filter(trust__isnull=True)}


def test_the_migration_installed_one_framework_of_each_shape():
    frameworks = shipped_frameworks()
    assert set(frameworks) == set(Shape.values)
    for framework in frameworks.values():
        assert framework.shared and framework.trust_id is None and framework.school_id is None


def test_every_example_says_it_is_original_and_the_engagement_model_says_whose_it_is():
    frameworks = shipped_frameworks()
    for shape in (Shape.LINEAR, Shape.MILESTONES, Shape.MATRIX):
        assert shipped.ORIGINAL in frameworks[shape].description
    assert "never scored" in frameworks[Shape.ENGAGEMENT].description


def test_scored_examples_have_the_default_levels_and_the_engagement_model_none():
    for shape, framework in shipped_frameworks().items():
        levels = list(AchievementLevel.objects.filter(framework=framework).order_by("order"))
        if shape == Shape.ENGAGEMENT:
            assert levels == []
            continue
        assert [(lv.code, lv.label, lv.secured, lv.not_applicable, lv.credit) for lv in levels] == [
            (spec.code, spec.label, spec.secured, spec.not_applicable, spec.credit) for spec in DEFAULT_LEVELS
        ]


def test_the_linear_example_has_five_areas_of_three_steps_with_key_statements():
    framework = shipped_frameworks()[Shape.LINEAR]
    areas = list(StepArea.objects.filter(framework=framework).order_by("order"))
    assert [a.code for a in areas] == ["communication", "reading", "number", "pshe", "physical"]
    for area in areas:
        steps = list(Step.objects.filter(area=area).order_by("number"))
        assert [s.number for s in steps] == [1, 2, 3]
        for step in steps:
            statements = list(Statement.objects.filter(step=step))
            assert 4 <= len(statements) <= 6
            assert any(s.key for s in statements), f"{area.code} step {step.number} has no key statement"
            assert all(s.area_id == area.pk for s in statements)


def test_the_milestone_map_has_three_strands_of_unstepped_milestones_that_lead_on():
    framework = shipped_frameworks()[Shape.MILESTONES]
    areas = StepArea.objects.filter(framework=framework)
    assert areas.count() == 3
    assert not Step.objects.filter(area__framework=framework).exists()
    milestones = Statement.objects.filter(area__framework=framework)
    assert 10 <= milestones.count() <= 15
    assert milestones.filter(key=True).exists()
    links = {(m.code, t.code) for m in milestones for t in m.leads_to.all()}
    assert ("M3", "M11") in links  # across strands
    assert all(source != target for source, target in links)


def test_the_matrix_has_three_domains_of_levels_with_coded_elements():
    framework = shipped_frameworks()[Shape.MATRIX]
    areas = list(StepArea.objects.filter(framework=framework).order_by("order"))
    assert len(areas) == 3
    for area in areas:
        levels = list(Step.objects.filter(area=area).order_by("number"))
        assert 4 <= len(levels) <= 6
        for level in levels:
            elements = list(Statement.objects.filter(step=level))
            assert 2 <= len(elements) <= 4
            for element in elements:
                letter, number, _ = element.code.split(".")
                assert int(number) == level.number and len(letter) == 1
    assert Statement.objects.filter(area__framework=framework, code="R.2.B").exists()


def test_the_engagement_model_has_its_five_areas_and_nothing_to_score():
    framework = shipped_frameworks()[Shape.ENGAGEMENT]
    assert not framework.scored
    areas = list(StepArea.objects.filter(framework=framework).order_by("order"))
    assert [(a.code, a.name) for a in areas] == [(code, name) for code, name, _ in ENGAGEMENT_AREAS]
    assert not Statement.objects.filter(area__framework=framework).exists()


def test_every_statement_has_its_first_wording():
    statements = Statement.objects.filter(area__framework__trust__isnull=True)
    assert statements.count() > 0
    wordings = StatementWording.objects.filter(statement__in=statements, version=1)
    assert wordings.count() == statements.count()


def test_installing_again_adds_nothing():
    counts = (
        StepFramework.objects.count(),
        StepArea.objects.count(),
        Step.objects.count(),
        Statement.objects.count(),
        StatementWording.objects.count(),
        AchievementLevel.objects.count(),
        Statement.leads_to.through.objects.count(),
    )
    shipped.install_shipped(apps)
    shipped.install_shipped(apps)
    assert counts == (
        StepFramework.objects.count(),
        StepArea.objects.count(),
        Step.objects.count(),
        Statement.objects.count(),
        StatementWording.objects.count(),
        AchievementLevel.objects.count(),
        Statement.leads_to.through.objects.count(),
    )


def test_installing_into_an_empty_database_builds_what_the_migration_did():
    before = {
        f.code: Statement.objects.filter(area__framework=f).count() for f in shipped_frameworks().values()
    }
    StepFramework.objects.filter(trust__isnull=True).delete()
    shipped.install_shipped(apps)
    after = {
        f.code: Statement.objects.filter(area__framework=f).count() for f in shipped_frameworks().values()
    }
    assert after == before


@pytest.mark.parametrize("shape", list(shipped.TEMPLATE_FILES))
def test_the_documented_templates_are_the_examples_rows_and_import_cleanly(shape):
    path = DOCS / shipped.TEMPLATE_FILES[shape]
    data = path.read_bytes()
    assert data.decode() == to_csv(shipped.template_rows(shape)), (
        f"regenerate {path.name} (shipped.template_rows)"
    )
    result = read_statements(data, shape)
    assert result.ok, [str(e) for e in result.errors]
    assert [(r.area, r.code, r.text, r.key, r.leads_to) for r in result.rows] == [
        (r.area, r.code, r.text, r.key, r.leads_to) for r in shipped.template_rows(shape)
    ]


@pytest.mark.parametrize("spec", [shipped.LINEAR, shipped.MILESTONES, shipped.MATRIX], ids=lambda s: s.code)
def test_each_example_reads_back_from_its_own_spreadsheet(spec):
    result = read_statements(to_csv(shipped.statement_rows(spec)).encode(), spec.shape)
    assert result.ok, [str(e) for e in result.errors]
    assert len(result.rows) == len(shipped.statement_rows(spec))
