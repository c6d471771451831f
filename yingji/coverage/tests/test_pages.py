"""The coverage page and its Excel export: they render, follow the scope rule, and say what is wrong."""

from __future__ import annotations

import io

import openpyxl
import pytest

from yingji.core.testing import web_client
from yingji.coverage.models import CoverageRun, RunStatus
from yingji.coverage.tests.builders import NODES, world

pytestmark = pytest.mark.django_db


def test_the_commander_sees_streets_targets_and_the_map_layers(cast):
    world(cast)
    page = web_client(cast.commander, "en").get("/coverage/", {"minutes": 3}).content.decode()
    assert "3-minute coverage of 福田区" in page
    assert 'data-testid="row-440304001000"' in page and 'data-testid="row-440304002000"' in page
    assert 'data-testid="target-440304002000"' in page
    assert "47.6 %" in page  # 10,000 of 21,000 residents
    assert "/api/v1/coverage/cells.geojson?area=440304&amp;minutes=3" in page or \
        "/api/v1/coverage/cells.geojson?area=440304\\u0026minutes=3" in page


def test_an_officer_sees_only_their_community(cast):
    world(cast)
    client = web_client(cast.officer_a, "en")
    page = client.get("/coverage/").content.decode()
    assert "A社区" in page and 'data-testid="row-44030400100101"' in page
    assert "园岭街道" not in page and "C购物中心" not in page
    assert client.get("/coverage/", {"area": "440304002001"}).status_code == 404
    assert client.get("/coverage/export.xlsx", {"area": "440304002001"}).status_code == 404


def test_bad_parameters_are_explained_and_defaults_used(cast):
    world(cast)
    page = web_client(cast.commander, "en").get("/coverage/", {"minutes": "abc", "add": "1,2,3"}).content.decode()
    assert "Choose a target time between 1 and 30 minutes." in page
    assert "Give added sites as lon,lat;lon,lat." in page
    assert "5-minute coverage" in page


def test_the_what_if_from_a_map_click_changes_the_figures(cast):
    world(cast)
    page = web_client(cast.commander, "en").get(
        "/coverage/", {"minutes": 3, "add": f"{NODES[5][0]},{NODES[5][1]}"}).content.decode()
    assert "100.0 %" in page and "remove 1 added site" in page


def test_the_export_holds_streets_communities_targets_and_parameters(cast):
    world(cast)
    response = web_client(cast.commander, "en").get("/coverage/export.xlsx", {"minutes": 3})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(response.getvalue()))
    assert book.sheetnames == ["Coverage", "1+3+1 targets", "Parameters"]
    rows = list(book["Coverage"].iter_rows(values_only=True))
    assert rows[0][:6] == ("Level", "Code", "Name", "Population", "Covered population", "Covered share (%)")
    by_code = {r[1]: r for r in rows[1:]}
    assert by_code["440304"][3:6] == (21000, 10000, 47.6)
    assert by_code["440304002000"][5] == 0 and by_code["440304001002"][3:5] == (7000, 7000)
    targets = list(book["1+3+1 targets"].iter_rows(values_only=True))
    assert targets[2][0] == "园岭街道" and targets[2][-1] == "No"
    params = dict(book["Parameters"].iter_rows(values_only=True))
    assert params["Target time (min)"] == 3 and params["Road network"]


def test_the_export_in_chinese(cast):
    world(cast)
    response = web_client(cast.commander).get("/coverage/export.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(response.getvalue()))
    assert len(book.sheetnames) == 3 and "filename*=UTF-8''" in response["Content-Disposition"]


def test_a_siting_study_from_the_page(cast, django_capture_on_commit_callbacks):
    world(cast)
    client = web_client(cast.commander, "en")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/coverage/siting/", {"area": "440304", "new_sites": "2", "minutes": "3"})
    assert response.status_code == 302
    run = CoverageRun.objects.get()
    assert run.status == RunStatus.DONE and run.created_by == cast.commander
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="sites-table"' in page and "from 0.476 to 1.000" in page


def test_siting_is_refused_outside_ones_rights(cast):
    world(cast)
    assert web_client(cast.officer_a).post("/coverage/siting/", {"area": "440304002001"}).status_code == 404
    response = web_client(cast.commander, "en").post("/coverage/siting/", {"new_sites": "500"}, follow=True)
    assert "Choose between 1 and 100 new stations." in response.content.decode()
    assert not CoverageRun.objects.exists()


def test_a_study_queued_too_long_says_no_worker_seems_to_run(cast, settings):
    """In `make demo` before serve ran a worker, a study stayed "queued" for ever without a hint."""
    import datetime

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from yingji.coverage.tasks import run_siting

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    world(cast)
    run = CoverageRun.objects.create(jurisdiction=cast.district, limit_minutes=3, new_sites=1)
    run_siting.enqueue(run.pk)
    client = web_client(cast.commander, "en")
    page = client.get("/coverage/").content.decode()
    assert 'data-testid="pending"' in page and 'data-testid="no-worker"' not in page  # just queued
    CoverageRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=3))
    page = client.get("/coverage/").content.decode()
    assert 'data-testid="no-worker"' in page and "yingji worker" in page and "3\xa0minutes" in page
    # A worker that took any task since then is alive (just busy): no alarm.
    DBTaskResult.objects.update(started_at=timezone.now(), status="RUNNING")
    assert 'data-testid="no-worker"' not in client.get("/coverage/").content.decode()
