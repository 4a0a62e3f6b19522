"""The benchmark page (/dashboards/benchmark/) and ``strides import-benchmark``: what similar-learner
percentiles compare with, uploading an external benchmark CSV (refused whole, naming the row, field
and value), going back to the trust's pool and downloading the trust's pool in the same format.
Data: the ``history`` fixture."""

from __future__ import annotations

import html
import io

import pytest
from django.core.management import CommandError, call_command

from strides.accounts import services as accounts
from strides.accounts.roles import Role
from strides.analytics import annual_progress, benchmark_table, read_benchmark_csv, rolling_pool
from strides.analytics.similar import BENCHMARK_COLUMNS
from strides.audit.models import AuditEntry
from strides.dashboards.frames import POOL_YEARS, forget_observations, observations
from strides.dashboards.models import ExternalBenchmark
from strides.organisations import services as organisations

pytestmark = pytest.mark.django_db

PAGE = "/dashboards/benchmark/"
POOL = "/dashboards/benchmark/trust-pool.csv"
GOOD = (
    "subject,phase,start_point,primary_need,gained,pupils\n"
    "maths,primary,8,*,3,40\n"
    "maths,primary,8,*,4,20\n"
    "maths,primary,8,SPLD,2,5\n"
)
BAD = (
    "subject,phase,start_point,primary_need,gained,pupils\n"
    "maths,primary,8,*,3,40\n"
    "maths,primary,8,*,three,2\n"  # row 3: gained is not a number
)


@pytest.fixture(autouse=True)
def fresh_cache():
    forget_observations()
    yield
    forget_observations()


def upload(client, text: str, name: str = "National 2022-2025", filename: str = "national.csv"):
    data = io.BytesIO(text.encode())
    data.name = filename
    return client.post(PAGE, {"action": "upload", "name": name, "source": "DfE", "file": data})


def trust_pool_rows(h) -> list[tuple]:
    obs = observations(h.trust.pk)
    end = int(obs.get_column("academic_year").max())
    table = benchmark_table(rolling_pool(annual_progress(obs), end_year=end, years=POOL_YEARS))
    return sorted(table.select(BENCHMARK_COLUMNS).iter_rows())


@pytest.mark.parametrize("who", ["admin", "analyst"])
def test_trust_admins_and_analysts_see_what_percentiles_compare_with(history, client_for, who):
    response = client_for(getattr(history, who)).get(PAGE)
    assert response.status_code == 200
    text = html.unescape(response.text)
    assert "Percentiles now compare with" in text
    assert "The trust's pupils" in text
    assert f'href="{POOL}"' in response.text


@pytest.mark.parametrize("who", ["head", "governor", "director", "teacher", "eap", "parent", "river_head"])
def test_everyone_else_is_refused_and_changes_nothing(history, client_for, who):
    client = client_for(getattr(history, who))
    assert client.get(PAGE).status_code == 403
    assert client.get(POOL).status_code == 403
    assert upload(client, GOOD).status_code == 403
    assert client.post(PAGE, {"action": "trust-pool"}).status_code == 403
    assert not ExternalBenchmark.objects.exists()


def test_another_trusts_admin_sees_and_changes_only_their_own_trust(history, client_for):
    h = history
    upload(client_for(h.analyst), GOOD)
    other = organisations.create_trust(None, "Other Trust", "other-trust")
    stranger = accounts.create_user(None, "stranger", password="Strides-test-password-2026", validate=False)
    accounts.grant_role(None, stranger, Role.TRUST_ADMIN, other)
    client = client_for(stranger)
    response = client.get(PAGE)
    assert response.status_code == 200
    assert response.context["current"] is None and response.context["trust"] == other
    assert "The trust's pupils" in html.unescape(response.text)
    client.post(PAGE, {"action": "trust-pool"})
    assert ExternalBenchmark.objects.get().in_use  # the first trust's stays in use
    pool = client.get(POOL)
    assert pool.status_code == 200 and pool.content.decode().splitlines() == [",".join(BENCHMARK_COLUMNS)]


def test_an_upload_is_used_at_once_and_audited_and_the_trust_pool_comes_back(history, client_for):
    h = history
    client = client_for(h.analyst)
    response = upload(client, GOOD)
    assert response.status_code == 302 and response["Location"] == PAGE
    benchmark = ExternalBenchmark.objects.get()
    assert (benchmark.name, benchmark.source, benchmark.cells, benchmark.pupils, benchmark.in_use) == (
        "National 2022-2025",
        "DfE",
        3,
        60,
        True,
    )
    page = client.get(PAGE)
    assert "National 2022-2025" in page.text and "national.csv" in page.text
    assert "60 pupils" in page.text
    assert AuditEntry.objects.filter(reason="benchmark uploaded and in use").count() == 1

    response = client.post(PAGE, {"action": "trust-pool"})
    assert response.status_code == 302
    assert not ExternalBenchmark.objects.filter(in_use=True).exists()
    assert "The trust's pupils" in html.unescape(client.get(PAGE).text)


def test_a_bad_file_is_refused_whole_naming_its_row_field_and_value(history, client_for):
    h = history
    client = client_for(h.analyst)
    response = upload(client, BAD, filename="bad.csv")
    assert response.status_code == 400
    assert "There is a problem" in response.text
    assert "row 3" in response.text and "gained" in response.text and "three" in response.text
    assert not ExternalBenchmark.objects.exists()
    assert not AuditEntry.objects.filter(reason="benchmark uploaded and in use").exists()
    # a name is needed, and a file
    response = client.post(PAGE, {"action": "upload", "name": ""})
    assert response.status_code == 400 and "Give the benchmark a name" in response.text
    assert not ExternalBenchmark.objects.exists()


def test_the_trust_pool_downloads_in_the_upload_format_even_while_a_benchmark_is_in_use(history, client_for):
    h = history
    client = client_for(h.analyst)
    upload(client, GOOD)
    response = client.get(POOL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="' in response["Content-Disposition"]
    table = read_benchmark_csv(response.content)  # reads back as an upload would
    assert sorted(table.select(BENCHMARK_COLUMNS).iter_rows()) == trust_pool_rows(h)
    assert table.height > 0


def test_the_dashboards_link_to_the_page_for_those_who_manage_it(history, client_for):
    h = history
    assert f'href="{PAGE}"' in client_for(h.analyst).get("/dashboards/trust/").text
    assert f'href="{PAGE}"' not in client_for(h.head).get(f"/dashboards/schools/{h.north.urn}/").text


def test_the_page_queries_are_pinned(history, client_for, django_assert_max_num_queries):
    client = client_for(history.analyst)
    upload(client, GOOD)
    with django_assert_max_num_queries(18):  # the first builds the trust's frame for its pool
        assert client.get(PAGE).status_code == 200
    with django_assert_max_num_queries(10):  # session, user, scope (3), trust, the tables (3), version
        assert client.get(PAGE).status_code == 200


# --- the command ---------------------------------------------------------------------------------


def test_the_command_checks_with_dry_run_and_imports_with_the_same_service(history, tmp_path):
    path = tmp_path / "national.csv"
    path.write_text(GOOD)
    out = io.StringIO()
    call_command("import_benchmark", str(path), "--dry-run", stdout=out)
    assert (
        "3 rows" in out.getvalue()
        and "60 pupils" in out.getvalue()
        and "nothing was written" in out.getvalue()
    )
    assert not ExternalBenchmark.objects.exists()
    out = io.StringIO()
    call_command("import_benchmark", str(path), "--name", "National", stdout=out)
    benchmark = ExternalBenchmark.objects.get()
    assert (benchmark.name, benchmark.filename, benchmark.in_use) == ("National", "national.csv", True)
    assert AuditEntry.objects.filter(reason="benchmark uploaded and in use").count() == 1


def test_the_command_refuses_a_bad_file_naming_row_field_and_value(history, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(BAD)
    with pytest.raises(CommandError, match=r"row 3, field 'gained', value 'three'"):
        call_command("import_benchmark", str(path), stdout=io.StringIO())
    assert not ExternalBenchmark.objects.exists()
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_benchmark", str(tmp_path / "missing.csv"), stdout=io.StringIO())
