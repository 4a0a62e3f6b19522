"""The pupil's attainment and progress page: who may open it, the flight path across drops and
frameworks, the similar-learner sentence checked against figures worked out by hand from the
``history`` fixture, the flags in words, exports and query counts."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from strides.dashboards.exports import XLSX_TYPE
from strides.dashboards.reasons import REASON_WORDS
from strides.dashboards.tests.conftest import fresh, refused_like_a_missing_one, with_query
from strides.dashboards.views_pupil import against_expected, need_words, similar_sentence, term_and_year


def url(pupil, **params) -> str:
    return with_query(reverse("dashboards:pupil", kwargs={"pupil_id": pupil.pk}), **params)


def _part(drop, school):
    from strides.assessment.models import DropSchool

    return DropSchool.objects.get(drop=drop, school=school)


def summary(response, code: str):
    return next(s for s in response.context["summaries"] if s.subject.code == code)


# --- who may open it --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who", ["head", "senior", "senco", "subject_leader", "teacher", "ta", "admin", "eap"]
)
def test_staff_who_see_the_pupil_by_name_open_it(history, client_for, who):
    assert client_for(getattr(history, who)).get(url(history.ida)).status_code == 200


@pytest.mark.parametrize("who", ["governor", "director", "other_teacher", "river_head", "placing"])
def test_everyone_else_gets_404_like_a_missing_pupil(history, client_for, who):
    missing = reverse("dashboards:pupil", kwargs={"pupil_id": 987654321})
    refused_like_a_missing_one(client_for(getattr(history, who)), url(history.ida), missing)


def test_a_teacher_sees_only_their_classes_pupils(history, client_for):
    client = client_for(history.teacher)
    assert client.get(url(history.ida)).status_code == 200  # 3T
    assert client.get(url(history.max)).status_code == 404  # 3B, same school


def test_a_parent_sees_their_own_child_only(history, client_for):
    from strides.assessment.models import DropStatus
    from strides.assessment.services import transition

    transition(history.head, _part(history.current_drop, history.north), DropStatus.SUBMITTED)  # shared
    client = client_for(history.parent)
    response = client.get(url(history.ava))
    assert response.status_code == 200
    assert [s.subject.code for s in response.context["summaries"]] == ["reading", "writing", "maths"]
    assert client.get(url(history.ben)).status_code == 404
    assert client.get(url(history.ida)).status_code == 404


def test_a_placing_school_sees_the_pupil_it_placed_while_placed(history, client_for):
    from strides.assessment.models import DropStatus
    from strides.assessment.services import transition

    transition(history.analyst, _part(history.current_drop, history.bridge), DropStatus.LOCKED)  # shared
    client = client_for(history.placing)
    response = client.get(url(history.dev))
    assert response.status_code == 200 and len(response.context["summaries"]) == 3
    assert client.get(url(history.eli)).status_code == 404  # placement ended
    assert client.get(url(history.ava)).status_code == 404


def test_a_parent_sees_no_draft_judgement_only_those_of_drops_submitted_or_locked(history, client_for):
    """A teacher's save in an open or reopened drop is a draft until the head submits it (or the
    trust locks it): people outside the school (parents) see the drops as the school signed them off."""
    from strides.accounts import services as accounts
    from strides.assessment.models import DropStatus, Judgement
    from strides.assessment.services import record_judgement, transition
    from strides.frameworks.models import Level

    h = history
    accounts.link_parent(None, h.parent, h.ida, h.trust, "mother")
    client = client_for(fresh(h.parent))
    summer, autumn = h.drops["last_summer"].title, h.current_drop.title
    # this autumn is still being recorded at north: the parent sees last summer (locked) as latest
    maths = summary(client.get(url(h.ida)), "maths")
    assert (maths.latest_drop, maths.latest_level) == (summer, "Y2 GDS")
    ava = client.get(url(h.ava))  # ava has this autumn's judgements only: none shown yet
    assert ava.status_code == 200 and ava.context["summaries"] == []
    assert "No assessments have been shared for Ava yet" in ava.text  # a parent's words
    assert "Y3 EXS" not in ava.text

    transition(h.head, _part(h.current_drop, h.north), DropStatus.SUBMITTED)
    maths = summary(client_for(fresh(h.parent)).get(url(h.ida)), "maths")
    assert (maths.latest_drop, maths.latest_level) == (autumn, "Y3 EXS")

    # reopened by the trust and changed by a teacher: a draft again, so last summer is the latest
    transition(h.analyst, _part(h.current_drop, h.north), DropStatus.REOPENED, reason="moderation")
    judgement = Judgement.objects.get(pupil=h.ida, subject__code="maths", drop=h.current_drop)
    lower = Level.objects.get(framework__trust=None, framework__code="nc-bands", code="Y3 WTS")
    record_judgement(
        h.teacher,
        h.ida,
        judgement.subject,
        h.current_drop,
        h.north,
        lower,
        expected_version=judgement.version,
    )
    response = client_for(fresh(h.parent)).get(url(h.ida))
    maths = summary(response, "maths")
    assert (maths.latest_drop, maths.latest_level) == (summer, "Y2 GDS")
    assert autumn not in response.text
    # staff of the school see the draft as it stands
    maths = summary(client_for(fresh(h.head)).get(url(h.ida)), "maths")
    assert (maths.latest_drop, maths.latest_level) == (autumn, "Y3 WTS")


def test_a_placing_school_sees_only_judgements_of_drops_submitted_or_locked(history, client_for):
    from strides.assessment.models import DropStatus
    from strides.assessment.services import transition
    from strides.dashboards.queries import AnalyticsView

    h = history
    response = client_for(fresh(h.placing)).get(url(h.dev))  # bridge has not submitted this autumn
    assert response.status_code == 200 and response.context["summaries"] == []
    assert AnalyticsView(fresh(h.placing)).pupil_observations(pupil_ids=[h.dev.pk]).is_empty()
    transition(h.analyst, _part(h.current_drop, h.bridge), DropStatus.LOCKED)
    response = client_for(fresh(h.placing)).get(url(h.dev))
    assert [s.latest_drop for s in response.context["summaries"]] == [h.current_drop.title] * 3
    assert AnalyticsView(fresh(h.placing)).pupil_observations(pupil_ids=[h.dev.pk]).height == 3


def test_anonymous_is_sent_to_sign_in(history, client):
    response = client.get(url(history.ida))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- similar learners in plain words ----------------------------------------------------------


def test_the_percentile_sentence_matches_the_figures_worked_by_hand(history, client_for):
    """North's maths, a cell of 12 pupils starting at point 8 in primary (no need-specific cell
    has 30): gains over the year are 3 for gus, hal, jon, kai, nia, rex; 4 for ida, lea, sky; 2 for
    max; 1 for ola; 0 for pip. Ida gained 4: 9 gained fewer, 3 the same (her included), so her
    percentile is 100 x (9 + 3/2) / 12 = 87.5, shown as 88."""
    h = history
    response = client_for(h.head).get(url(h.ida))
    maths = summary(response, "maths").comparison
    assert (maths.gained, maths.fewer, maths.same, maths.compared_with) == (4, 9, 3, 12)
    assert maths.percentile == pytest.approx(87.5) and maths.shown_percentile == 88
    then, now = h.last_year.start_year, h.year.start_year
    sentence = (
        f"Ida gained 4 points over the year from autumn {then} to autumn {now} (point 8 to point 12). "
        "Of the 12 pupils in the trust who started at the same point in primary, 9 gained fewer points "
        "and 3 gained the same. Counting half of those who gained the same, her progress percentile is 88."
    )
    assert maths.sentence == sentence
    assert sentence in response.content.decode()


def test_no_gain_and_the_bottom_decile(history, client_for):
    """Pip, point 8 in every drop: nobody of the 12 gained fewer, he alone gained 0, so
    100 x (0 + 1/2) / 12 = 4.17, shown as 4, in the bottom tenth."""
    h = history
    response = client_for(h.head).get(url(h.pip))
    maths = summary(response, "maths")
    assert maths.comparison.percentile == pytest.approx(100 * 0.5 / 12)
    assert maths.comparison.sentence.startswith(
        f"Pip stayed at the same point over the year from autumn {h.last_year.start_year}"
    )
    assert "0 gained fewer points and 1 gained the same" in maths.comparison.sentence
    assert maths.comparison.sentence.endswith("his progress percentile is 4.")
    assert maths.flags == [
        f"{REASON_WORDS['not_making_expected_progress']}: gained 0 points where pupils of the same age are "
        "expected to rise 3 points.",
        f"{REASON_WORDS['bottom_decile']}: progress percentile 4.",
    ]
    # reading: 9 of 12 gained 3 as he did, the 3 strong pupils 4: 100 x 4.5 / 12 = 37.5 -> 38
    reading = summary(response, "reading").comparison
    assert (reading.fewer, reading.same, reading.shown_percentile) == (0, 9, 38)


def test_fallen_back_names_both_drops_and_points(history, client_for):
    h = history
    response = client_for(h.head).get(url(h.ola))
    maths = summary(response, "maths")
    assert maths.flags == [
        f"{REASON_WORDS['not_making_expected_progress']}: gained 1 point where pupils of the same age are "
        "expected to rise 3 points.",
        f"{REASON_WORDS['fallen_back']}: point 9 in {h.current_drop.title}, down from 10 in "
        f"{h.drops['last_summer'].title}.",
    ]
    assert response.context["flagged"] == [maths]
    # 100 x (1 + 1/2) / 12 = 12.5: not the bottom tenth
    assert maths.comparison.shown_percentile == 13


def test_no_judgement_a_year_before_means_no_percentile_yet(history, client_for):
    h = history
    response = client_for(h.head).get(url(h.ava))
    maths = summary(response, "maths")
    assert maths.comparison is None and maths.flags == []
    assert (
        f"Ava's latest judgement is from autumn {h.year.start_year}, and there is none from the same term "
        "a year before" in maths.no_comparison
    )
    assert "No flags" in response.content.decode()
    # rex's writing is missing from this autumn: his latest is last summer, with nothing a year before
    rex = summary(client_for(h.head).get(url(h.rex)), "writing")
    assert rex.comparison is None and rex.latest_drop.startswith("Summer")


def test_the_sentence_for_a_need_matched_cell_and_an_external_benchmark():
    from types import SimpleNamespace

    from strides.dashboards.frames import PoolSource

    pupil = SimpleNamespace(forename="Max", sex="M")
    autumn = SimpleNamespace(get_term_display=lambda: "Autumn", assessed_on=dt.date(2024, 12, 20))
    spring = SimpleNamespace(get_term_display=lambda: "Spring", assessed_on=dt.date(2025, 3, 20))
    row = {
        "gained": -1,
        "start_point": 9,
        "end_point": 8,
        "phase": "primary",
        "primary_need": "SPLD",
        "matched_on": "start point, phase and primary need",
        "percentile": 10.0,
        "compared_with": 40,
    }
    source = PoolSource(True, "National 2022-25", "")
    sentence = similar_sentence(pupil, row, start=autumn, end=spring, fewer=2, same=4, source=source)
    assert sentence == (
        "Max fell back 1 point over the year from autumn 2024 to spring 2025 (point 9 to point 8). Of the "
        "40 pupils in the benchmark “National 2022-25” who started at the same point in primary with the "
        "same primary need (specific learning difficulty), 2 gained fewer points and 4 gained the same. "
        "Counting half of those who gained the same, his progress percentile is 10."
    )
    no_cell = {**row, "percentile": None, "compared_with": None, "matched_on": None}
    assert (
        "No pupil in the benchmark “National 2022-25” who started at the same point in primary is there"
        in (similar_sentence(pupil, no_cell, start=autumn, end=spring, fewer=0, same=0, source=source))
    )
    assert need_words("") == "with no identified special educational need"
    assert term_and_year(None) == "an earlier drop"


def test_an_external_benchmark_is_what_the_page_compares_with(history, client_for):
    from strides.analytics import benchmark_csv
    from strides.dashboards import frames, services

    h = history
    table = frames.similar_pool(h.trust.pk)
    services.import_benchmark(
        h.analyst, h.trust, filename="national.csv", data=benchmark_csv(table).encode(), name="National copy"
    )
    response = client_for(h.head).get(url(h.ida))
    maths = summary(response, "maths").comparison
    assert "Of the 12 pupils in the benchmark “National copy” who started" in maths.sentence
    assert "National copy" in response.content.decode()


# --- the flight path ----------------------------------------------------------------------------


def test_the_timeline_across_drops_and_frameworks_with_its_table(history, client_for):
    h = history
    response = client_for(h.head).get(url(h.ben))
    figure = response.context["figures"]["timeline"]
    rows = [
        (r["subject_code"], r["level"], r["framework"], r["point"], r["expected"]) for r in figure.table.rows
    ]
    frameworks = {r[0]: r[2] for r in rows}
    # reading and writing on pre-key stage standards, maths on the NC bands: one common scale
    assert frameworks["reading"] == frameworks["writing"] != frameworks["maths"]
    assert [r[:2] for r in rows] == [("reading", "PK6"), ("writing", "PK5"), ("maths", "Y2 GDS")]
    assert figure.spec["title"] == "Ben's common points across drops"
    page = response.content.decode()
    assert 'id="chart-timeline"' in page and "Level entered" in page and "Expected point" in page

    ida = client_for(h.head).get(url(h.ida)).context["figures"]["timeline"].table.rows
    maths = [(r["level"], r["point"]) for r in ida if r["subject_code"] == "maths"]
    assert maths == [("Y2 WTS", 8), ("Y2 EXS", 9), ("Y2 GDS", 10), ("Y3 EXS", 12)]


def test_against_expected_in_words():
    assert against_expected(12, 12) == "at expected"
    assert against_expected(13, 12) == "above expected by 1 point"
    assert against_expected(8, 11) == "below expected by 3 points"
    assert against_expected(4, None) == "no expected point for this year and term"


def test_a_pupil_with_no_judgements_says_so(history, client_for):
    from strides.testing.cast import add_mover

    h = add_mover(history)  # mia: no judgement anywhere
    response = client_for(h.river_head).get(url(h.mia))
    assert response.status_code == 200
    assert "No judgements are recorded for Mia yet" in response.content.decode()


# --- links, exports and queries ----------------------------------------------------------------------


def test_linked_from_the_record_and_the_class_dashboard(history, client_for):
    h = history
    client = client_for(h.head)
    target = url(h.ida)
    assert target in client.get(reverse("pupils:profile", kwargs={"pupil_id": h.ida.pk})).content.decode()
    assert (
        target in client.get(reverse("dashboards:class", kwargs={"group_id": h.class_3t.pk})).content.decode()
    )
    page = client.get(target).content.decode()
    assert reverse("pupils:profile", kwargs={"pupil_id": h.ida.pk}) in page


def test_the_tables_export_as_xlsx(history, client_for):
    h = history
    response = client_for(h.head).get(url(h.ola, export="xlsx", table="progress"))
    assert response.status_code == 200 and response["Content-Type"] == XLSX_TYPE
    rows = list(load_workbook(io.BytesIO(response.content))["Figures"].iter_rows(values_only=True))
    maths = next(r for r in rows if r[0] == "Maths")
    assert maths[3:6] == (1, 12.5, 12)
    response = client_for(h.head).get(url(h.ola, export="xlsx", table="timeline"))
    assert response.status_code == 200 and "pupil-" in response["Content-Disposition"]
    assert "Ola" not in response["Content-Disposition"]  # no name in the file name
    bad = client_for(h.head).get(url(h.ola, export="xlsx", table="nope"))
    assert bad.status_code == 400 and "There is no table “nope” on this page" in bad.content.decode()


def test_query_count_is_pinned(history, client_for, django_assert_max_num_queries):
    """Session and user (2), scope (2), the pupil, their trust, their readable enrolments, the data
    version for the rows and for the pool, subjects, drops, the benchmark in use, frameworks, the
    common scale's point names for the chart's axis, the nav (1)."""
    h = history
    client_for(h.head).get(url(h.ida))  # the trust's frame and pool are built once and cached
    for user, pupil in ((h.head, h.ida), (h.teacher, h.ida), (h.parent, h.ava)):
        client = client_for(fresh(user))
        with django_assert_max_num_queries(15):
            assert client.get(url(pupil)).status_code == 200


# --- a parent's words --------------------------------------------------------------------------------

STAFF_TERMS = (
    "judgement",
    "data drop",
    "common point",
    "needing attention",
    "needs attention",
    "similar learners",
)


def _main(response) -> str:
    text = response.content.decode()
    return text[text.index("<main") : text.index("</main>")]


def test_a_parent_reads_plain_words_and_staff_keep_their_terms(history, client_for):
    """The cast's parent read "judgements", "data drops", "common scale" and "Needing attention"."""
    from strides.accounts import services as accounts
    from strides.assessment.models import DropStatus
    from strides.assessment.services import transition

    h = history
    accounts.link_parent(None, h.parent, h.ida, h.trust, "mother")
    transition(h.head, _part(h.current_drop, h.north), DropStatus.SUBMITTED)
    response = client_for(fresh(h.parent)).get(url(h.ida))
    assert response.status_code == 200 and response.context["summaries"]
    main = _main(response)
    lowered = main.lower()
    for term in STAFF_TERMS:
        assert term not in lowered, term
    assert "assessments on the trust&#x27;s common scale of steps" in main
    assert "puts every assessment on one ladder" in main  # what the scale is, in one line
    assert "Where extra support may help" in main and "Common steps across assessment points" in main
    maths = summary(response, "maths")
    assert "step" in maths.comparison.sentence and " point " not in maths.comparison.sentence
    assert all(
        "point" not in flag or "assessment point" in flag
        for s in response.context["summaries"]
        for flag in s.flags
    )
    timeline = response.context["tables"]["timeline"]
    assert [c.heading for c in timeline.columns][1] == "Assessment point"
    assert "Common step" in [c.heading for c in timeline.columns]
    spec_titles = response.context["figures"]["timeline"].spec
    assert "drop" not in spec_titles["title"].lower() and "drop" not in spec_titles["description"].lower()

    staff = _main(client_for(fresh(h.head)).get(url(h.ida)))
    assert "Needing attention" in staff and "judgements on the trust&#x27;s common scale," in staff
    assert "Common points across drops" in staff and "ladder" not in staff
