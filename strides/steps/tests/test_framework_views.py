"""The small-step framework pages (strides/steps/framework_views.py): who sees which framework,
the tree of a framework of each shape, making one, importing statements from a spreadsheet
(preview, every error with its row, column and value, nothing written until a clean file is
confirmed), and the changes a framework's managers make."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from strides.audit.models import AuditEntry
from strides.frameworks.models import Subject
from strides.steps.models import Shape, Statement, StatementWording, StepFramework
from strides.steps.services.frameworks import StatementRow, build_structure, create_framework

pytestmark = pytest.mark.django_db

HEADER = "Area,Area name,Step,Step name,Code,Statement,Weight,Key,Leads to\n"


def url(name: str, **kwargs) -> str:
    return reverse(f"steps:{name}", kwargs=kwargs)


def shipped(shape: str) -> StepFramework:
    return StepFramework.objects.get(trust__isnull=True, shape=shape)


@pytest.fixture
def north_steps(cast):
    """Northfield Primary's own linear framework, with two statements."""
    framework = create_framework(
        cast.head,
        code="north-small-steps",
        name="North small steps",
        shape=Shape.LINEAR,
        trust=cast.trust,
        school=cast.north,
    )
    build_structure(
        cast.head,
        framework,
        [
            StatementRow(
                row=2, area="communication", step=1, step_name="First", code="C1.1", text="Looks at a voice"
            ),
            StatementRow(
                row=3, area="communication", step=1, step_name="First", code="C1.2", text="Smiles", key=True
            ),
        ],
    )
    return framework


@pytest.fixture
def trust_steps(cast):
    """A trust framework not shared yet (a draft)."""
    return create_framework(
        cast.admin, code="trust-draft", name="Trust draft", shape=Shape.LINEAR, trust=cast.trust
    )


def upload(text: str, name: str = "steps.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


# --- the list and a framework --------------------------------------------------------------------


def test_the_list_shows_shipped_shared_and_own_frameworks_with_their_shape_and_counts(
    cast, client_for, north_steps, trust_steps
):
    page = client_for(cast.teacher).get(url("framework_list"))
    assert page.status_code == 200
    html = page.content.decode()
    for framework in StepFramework.objects.filter(trust__isnull=True):
        assert framework.name in html
    assert "North small steps" in html and "Milestone map" in html
    assert "Trust draft" not in html  # a draft is for the trust's managers until it is shared
    assert "Make a framework" not in html


def test_another_schools_own_framework_is_not_listed_and_its_page_is_not_found(cast, client_for, north_steps):
    client = client_for(cast.other_teacher)
    assert "North small steps" not in client.get(url("framework_list")).content.decode()
    page = client.get(url("framework_detail", step_framework_id=north_steps.pk))
    assert page.status_code == 404
    missing = client.get(url("framework_detail", step_framework_id=987654))
    assert missing.status_code == 404


def test_a_governor_who_records_nothing_is_refused_the_pages(cast, client_for):
    assert client_for(cast.governor).get(url("framework_list")).status_code == 403


def test_the_list_query_count_is_pinned(cast, client_for, django_assert_max_num_queries):
    for n in range(15):
        framework = create_framework(
            cast.admin, code=f"trust-{n}", name=f"Trust {n}", shape=Shape.LINEAR, trust=cast.trust
        )
        build_structure(
            cast.admin, framework, [StatementRow(row=2, area="a", step=1, step_name="", code="A", text="x")]
        )
    client = client_for(cast.admin)
    client.get(url("framework_list"))  # signing in and the session are not the page's cost
    with django_assert_max_num_queries(5):  # what was measured, pinned: 19 frameworks cost what 4 do
        page = client.get(url("framework_list"))
    assert page.status_code == 200 and "Trust 14" in page.content.decode()


def test_a_linear_framework_shows_its_areas_steps_and_statements(cast, client_for):
    framework = shipped(Shape.LINEAR)
    html = (
        client_for(cast.teacher).get(url("framework_detail", step_framework_id=framework.pk)).content.decode()
    )
    assert "Communication" in html and "Step 2: Making choices" in html
    assert "COM2.1" in html and "Key" in html
    assert "Import statements" not in html and "Change" not in html  # shipped: nobody changes it


def test_a_milestone_map_shows_its_strands_key_milestones_and_where_each_leads(cast, client_for):
    framework = shipped(Shape.MILESTONES)
    html = (
        client_for(cast.teacher).get(url("framework_detail", step_framework_id=framework.pk)).content.decode()
    )
    assert "Thinking and exploring" in html and "Acting on the world" in html
    m3 = Statement.objects.get(area__framework=framework, code="M3")
    m11 = Statement.objects.get(area__framework=framework, code="M11")
    assert f'href="#statement-{m11.pk}">M11</a>' in html  # M3 leads to M11
    assert f'href="#statement-{m3.pk}">M3</a>' in html  # M11 is reached from M3
    assert "Leads to" in html and "Reached from" in html


def test_a_matrix_shows_levels_and_element_codes(cast, client_for):
    framework = shipped(Shape.MATRIX)
    html = (
        client_for(cast.teacher).get(url("framework_detail", step_framework_id=framework.pk)).content.decode()
    )
    assert "Level 2: Noticing" in html and "R.2.B" in html


def test_the_engagement_model_shows_its_five_areas_and_says_it_is_never_scored(cast, client_for):
    framework = shipped(Shape.ENGAGEMENT)
    html = (
        client_for(cast.teacher).get(url("framework_detail", step_framework_id=framework.pk)).content.decode()
    )
    for area in ("Exploration", "Realisation", "Anticipation", "Persistence", "Initiation"):
        assert area in html
    assert "never scored" in html


def test_the_template_downloads_for_each_shape(cast, client_for):
    client = client_for(cast.teacher)
    page = client.get(url("framework_template") + "?shape=milestones")
    assert page["Content-Type"].startswith("text/csv")
    assert page.content.decode().startswith(
        "Area,Area name,Step,Step name,Code,Statement,Weight,Key,Leads to"
    )
    assert "M3" in page.content.decode()
    assert client.get(url("framework_template") + "?shape=nonsense").status_code == 200


# --- making a framework --------------------------------------------------------------------------


def test_a_head_makes_a_framework_for_their_school(cast, client_for):
    client = client_for(cast.head)
    form = client.get(url("framework_create")).content.decode()
    assert "Northfield Primary only" in form and "The trust" not in form
    page = client.post(
        url("framework_create"),
        {
            "name": "North matrix",
            "code": "north-matrix",
            "shape": Shape.MATRIX,
            "owner": str(cast.north.pk),
            "step_complete_percent": "80",
            "partial_credit": "on",
        },
    )
    framework = StepFramework.objects.get(code="north-matrix")
    assert page.status_code == 302 and page["Location"] == url(
        "framework_import", step_framework_id=framework.pk
    )
    assert (framework.trust, framework.school, framework.shape) == (cast.trust, cast.north, Shape.MATRIX)
    assert (framework.partial_credit, framework.step_complete_percent) == (True, 80)
    assert framework.achievement_levels.count() == 5


def test_a_head_cannot_make_one_for_the_trust_nor_a_teacher_at_all(cast, client_for):
    page = client_for(cast.head).post(
        url("framework_create"),
        {"name": "X", "code": "x", "shape": Shape.LINEAR, "owner": "trust", "step_complete_percent": "100"},
    )
    assert page.status_code == 200 and "Select a valid choice" in page.content.decode()
    assert not StepFramework.objects.filter(code="x").exists()
    assert client_for(cast.teacher).get(url("framework_create")).status_code == 403


def test_a_bad_framework_form_names_each_field_and_value(cast, client_for, north_steps):
    page = client_for(cast.admin).post(
        url("framework_create"),
        {
            "name": "",
            "code": "engagement-model",
            "shape": "pyramid",
            "owner": "trust",
            "step_complete_percent": "150",
        },
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "Enter the name." in html
    assert "&#x27;engagement-model&#x27; is the code of a framework Strides ships" in html
    assert "pyramid" in html and "Enter a whole number from 1 to 100." in html


def test_the_trust_makes_an_engagement_model_framework_with_its_five_areas(cast, client_for):
    page = client_for(cast.admin).post(
        url("framework_create"),
        {
            "name": "Our engagement",
            "code": "our-engagement",
            "shape": Shape.ENGAGEMENT,
            "owner": "trust",
            "step_complete_percent": "100",
        },
    )
    framework = StepFramework.objects.get(code="our-engagement")
    assert page["Location"] == url("framework_detail", step_framework_id=framework.pk)
    assert framework.areas.count() == 5 and framework.school is None and not framework.shared


# --- importing statements ------------------------------------------------------------------------


BAD = (
    "North small steps\n"
    + HEADER
    + "communication,,1,,C1.3,Reaches for a cup,,,\n"
    + "communication,,two,,C1.4,Points at a cup,,,\n"
    + "communication,,2,,C1.1,Already there,,,\n"
    + "number,,1,,N1.1,Counts,0,maybe,\n"
)
FIXED = (
    "North small steps\n"
    + HEADER
    + "communication,,1,,C1.3,Reaches for a cup,,,\n"
    + "communication,,2,Second,C2.1,Points at a cup,,yes,\n"
    + "number,Number,1,,N1.1,Counts,1.5,no,\n"
)


def test_a_spreadsheet_with_problems_lists_every_one_and_writes_nothing(cast, client_for, north_steps):
    client = client_for(cast.head)
    before = (Statement.objects.count(), AuditEntry.objects.count())
    page = client.post(url("framework_import", step_framework_id=north_steps.pk), {"file": upload(BAD)})
    html = page.content.decode()
    assert page.status_code == 200
    assert "4 problems in the rows listed below. Nothing was imported" in html
    assert "Row 4, step: &#x27;two&#x27; is not a whole number." in html
    assert "Row 5, code: &#x27;C1.1&#x27; is already a statement of &#x27;communication&#x27;" in html
    assert "Row 6, weight: &#x27;0&#x27; is not more than 0." in html
    assert "Row 6, key: &#x27;maybe&#x27; is not yes or no" in html
    assert (Statement.objects.count(), AuditEntry.objects.count()) == before


def test_a_fixed_spreadsheet_is_previewed_then_imported(cast, client_for, north_steps):
    client = client_for(cast.head)
    preview = client.post(url("framework_import", step_framework_id=north_steps.pk), {"file": upload(FIXED)})
    html = preview.content.decode()
    assert preview.status_code == 200 and "Nothing is saved yet" in html and "Import 3 rows" in html
    assert Statement.objects.filter(area__framework=north_steps).count() == 2  # nothing yet
    payload = preview.context["payload"]
    done = client.post(url("framework_import", step_framework_id=north_steps.pk), {"payload": payload})
    assert done.status_code == 302
    statements = {s.code: s for s in Statement.objects.filter(area__framework=north_steps)}
    assert set(statements) == {"C1.1", "C1.2", "C1.3", "C2.1", "N1.1"}
    assert statements["C2.1"].key and statements["C2.1"].step.name == "Second"
    assert statements["N1.1"].weight == Decimal("1.5") and statements["N1.1"].area.name == "Number"
    # the same preview confirmed twice is refused, naming the code, and adds nothing
    again = client.post(url("framework_import", step_framework_id=north_steps.pk), {"payload": payload})
    assert again.status_code == 200 and "Nothing was imported" in again.content.decode()
    assert Statement.objects.filter(area__framework=north_steps).count() == 5


def test_a_milestone_map_imports_its_leads_to(cast, client_for):
    framework = create_framework(
        cast.head,
        code="north-map",
        name="North map",
        shape=Shape.MILESTONES,
        trust=cast.trust,
        school=cast.north,
    )
    client = client_for(cast.head)
    sheet = "Strand,Code,Milestone,Key,Leads to\nthinking,M1,Notices,yes,M2\nacting,M2,Reaches,,\n"
    preview = client.post(url("framework_import", step_framework_id=framework.pk), {"file": upload(sheet)})
    client.post(
        url("framework_import", step_framework_id=framework.pk), {"payload": preview.context["payload"]}
    )
    m1 = Statement.objects.get(area__framework=framework, code="M1")
    assert [m.code for m in m1.leads_to.all()] == ["M2"] and m1.step is None


def test_a_tampered_or_someone_elses_preview_is_refused(cast, client_for, north_steps):
    client = client_for(cast.head)
    page = client.post(url("framework_import", step_framework_id=north_steps.pk), {"payload": "forged"})
    assert page.status_code == 302
    preview = client.post(url("framework_import", step_framework_id=north_steps.pk), {"file": upload(FIXED)})
    other = client_for(cast.admin).post(
        url("framework_import", step_framework_id=north_steps.pk), {"payload": preview.context["payload"]}
    )
    assert other.status_code == 302
    assert Statement.objects.filter(area__framework=north_steps).count() == 2


def test_an_unreadable_or_wrong_file_says_why(cast, client_for, north_steps):
    client = client_for(cast.head)
    target = url("framework_import", step_framework_id=north_steps.pk)
    page = client.post(target, {"file": upload("just,words\n1,2\n")})
    assert "No header row was found" in page.content.decode()
    page = client.post(target, {"file": upload("x", name="steps.pdf")})
    assert "Choose a .csv, .xlsx, .xls or .ods spreadsheet." in page.content.decode()
    page = client.post(target, {})
    assert "Choose the spreadsheet to import." in page.content.decode()


def test_who_may_import(cast, client_for, north_steps, trust_steps):
    target = url("framework_import", step_framework_id=north_steps.pk)
    assert client_for(cast.river_head).get(target).status_code == 404  # not theirs to see
    assert client_for(cast.teacher).get(target).status_code == 403  # sees it, changes nothing
    assert client_for(cast.admin).get(target).status_code == 200
    assert (
        client_for(cast.head).get(url("framework_import", step_framework_id=trust_steps.pk)).status_code
        == 404
    )
    shipped_linear = url("framework_import", step_framework_id=shipped(Shape.LINEAR).pk)
    assert client_for(cast.admin).get(shipped_linear).status_code == 403
    engagement = create_framework(
        cast.admin, code="eng", name="Eng", shape=Shape.ENGAGEMENT, trust=cast.trust
    )
    page = client_for(cast.admin).get(url("framework_import", step_framework_id=engagement.pk))
    assert page.status_code == 302


# --- changing a framework ------------------------------------------------------------------------


def test_rewording_keeps_the_old_words(cast, client_for, north_steps):
    statement = Statement.objects.get(area__framework=north_steps, code="C1.1")
    client = client_for(cast.head)
    target = url("statement_edit", step_framework_id=north_steps.pk, statement_id=statement.pk)
    assert "Looks at a voice" in client.get(target).content.decode()
    page = client.post(target, {"text": "Looks towards a familiar voice"})
    assert page.status_code == 302
    statement.refresh_from_db()
    assert (statement.text, statement.wording_version) == ("Looks towards a familiar voice", 2)
    assert list(
        StatementWording.objects.filter(statement=statement)
        .order_by("version")
        .values_list("text", flat=True)
    ) == [
        "Looks at a voice",
        "Looks towards a familiar voice",
    ]
    assert "Enter the new wording." in client.post(target, {"text": ""}).content.decode()


def test_a_statement_the_system_wrote_shows_its_history(cast, client_for):
    framework = create_framework(None, code="sys", name="Sys", shape=Shape.LINEAR, trust=cast.trust)
    build_structure(
        None, framework, [StatementRow(row=2, area="a", step=1, step_name="", code="A1", text="Words")]
    )
    statement = Statement.objects.get(area__framework=framework)
    page = client_for(cast.admin).get(
        url("statement_edit", step_framework_id=framework.pk, statement_id=statement.pk)
    )
    assert page.status_code == 200 and "Strides" in page.content.decode()


def test_a_statement_of_another_framework_is_not_found(cast, client_for, north_steps):
    other = Statement.objects.filter(area__framework=shipped(Shape.LINEAR)).first()
    page = client_for(cast.head).get(
        url("statement_edit", step_framework_id=north_steps.pk, statement_id=other.pk)
    )
    assert page.status_code == 404


def test_removing_a_statement_keeps_it_and_says_when(cast, client_for, north_steps):
    statement = Statement.objects.get(area__framework=north_steps, code="C1.2")
    client = client_for(cast.head)
    target = url("statement_remove", step_framework_id=north_steps.pk, statement_id=statement.pk)
    assert client.get(target).status_code == 302  # the button is on the statement's page
    assert client.post(target).status_code == 302
    statement.refresh_from_db()
    assert statement.removed_on == cast.today
    page = client.post(target, follow=True)
    assert f"Statement C1.2 was removed on {cast.today:%d/%m/%Y} already." in page.content.decode()
    html = client.get(url("framework_detail", step_framework_id=north_steps.pk)).content.decode()
    assert "Removed" in html


def test_the_trust_shares_its_framework_and_a_schools_own_cannot_be_shared(
    cast, client_for, north_steps, trust_steps
):
    client_for(cast.admin).post(url("framework_share", step_framework_id=trust_steps.pk), {"shared": "1"})
    trust_steps.refresh_from_db()
    assert trust_steps.shared
    assert "Trust draft" in client_for(cast.teacher).get(url("framework_list")).content.decode()
    client_for(cast.admin).post(url("framework_share", step_framework_id=trust_steps.pk), {"shared": "0"})
    trust_steps.refresh_from_db()
    assert not trust_steps.shared
    page = client_for(cast.head).post(url("framework_share", step_framework_id=north_steps.pk), follow=True)
    assert "is not a trust framework" in page.content.decode()


def test_settings_change_and_a_bad_percent_is_named(cast, client_for, north_steps):
    client = client_for(cast.head)
    target = url("framework_settings", step_framework_id=north_steps.pk)
    page = client.post(target, {"step_complete_percent": "0"})
    assert "Enter a whole number from 1 to 100." in page.content.decode()
    client.post(target, {"partial_credit": "on", "step_complete_percent": "75"})
    north_steps.refresh_from_db()
    assert (north_steps.partial_credit, north_steps.step_complete_percent) == (True, 75)


def test_an_area_stands_for_a_subject(cast, client_for, north_steps):
    area = north_steps.areas.get(code="communication")
    reading = Subject.objects.get(code="reading", trust__isnull=True)
    client = client_for(cast.head)
    target = url("area_subject", step_framework_id=north_steps.pk, area_id=area.pk)
    assert "Reading" in client.get(target).content.decode()
    assert client.post(target, {"subject": str(reading.pk)}).status_code == 302
    area.refresh_from_db()
    assert area.subject == reading
    page = client.post(target, {"subject": "999999"})
    assert "Select a valid choice" in page.content.decode()
    client.post(target, {"subject": ""})
    area.refresh_from_db()
    assert area.subject is None


def test_the_frameworks_levels_are_changed_on_their_page(cast, client_for):
    from django.urls import reverse

    from strides.steps.models import Shape
    from strides.steps.services.frameworks import StatementRow, build_structure, create_framework
    from strides.steps.services.recording import RecordInput, assign_framework, record_achievements

    framework = create_framework(
        cast.head,
        code="north-levels",
        name="North levels",
        shape=Shape.LINEAR,
        trust=cast.trust,
        school=cast.north,
    )
    build_structure(
        cast.head, framework, [StatementRow(row=2, area="a", step=1, step_name="", code="A1", text="A")]
    )
    url = reverse("steps:framework_levels", kwargs={"step_framework_id": framework.pk})
    client = client_for(cast.head)
    assert client.get(url).status_code == 200
    levels = list(framework.achievement_levels.all())  # 0, E, D, S, NA
    data = {}
    for i, level in enumerate(levels):
        data.update(
            {
                f"level-{i}-id": level.pk,
                f"level-{i}-code": level.code,
                f"level-{i}-label": level.label,
                f"level-{i}-credit": str(level.credit),
            }
        )
        if level.secured:
            data[f"level-{i}-secured"] = "on"
        if level.not_applicable:
            data[f"level-{i}-not_applicable"] = "on"
    data.update(
        {
            "level-0-code": "1",
            "level-0-label": "Encountered",
            "level-1-remove": "on",
            "level-5-code": "G",
            "level-5-label": "Generalised",
            "level-5-secured": "on",
        }
    )
    assert client.post(url, data).status_code == 302
    assert [lv.code for lv in framework.achievement_levels.order_by("order")] == ["1", "D", "S", "NA", "G"]
    # a level in use cannot be removed, and nothing is half-written
    assign_framework(cast.head, cast.north, cast.ava, framework, cast.year.starts_on)
    record_achievements(
        cast.head, cast.north, [RecordInput(cast.ava, framework.areas.get().statements.get(), "D")]
    )
    levels = list(framework.achievement_levels.order_by("order"))
    again = {f"level-{i}-id": lv.pk for i, lv in enumerate(levels)}
    again.update({f"level-{i}-code": lv.code for i, lv in enumerate(levels)})
    again.update({f"level-{i}-label": lv.label for i, lv in enumerate(levels)})
    again.update({"level-2-secured": "on", "level-1-remove": "on"})
    refused = client.post(url, again).content.decode()
    assert "Level D is used by records and cannot be removed" in refused
    assert framework.achievement_levels.filter(code="D").exists()
