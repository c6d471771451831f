"""The patrol-plan API: list, create, detail and change a grid's patrol plan through the same service as the
web form; typed fields, refusals in the one error shape naming the API's field, scoped (another
community's officer gets 404)."""

from __future__ import annotations

import pytest

from yingji.core.testing import api_client
from yingji.hazards.models import PatrolPlan
from yingji.hazards.tests.builders import point

pytestmark = pytest.mark.django_db
URL = "/api/v1/hazards/patrol-plans"


@pytest.fixture
def points(cast):  # type: ignore[no-untyped-def]
    return [point(cast.community_a, "PA-1", lon=114.0100, lat=22.5100),
            point(cast.grid_a1, "PA-2", category="slope", lon=114.0120, lat=22.5100),
            point(cast.community_c, "PC-1", lon=114.0500, lat=22.5300)]


def _fields(answer):  # type: ignore[no-untyped-def]
    return {e["field"] for e in answer.json()["errors"]}


def test_create_read_list_and_change_a_plan(cast, points):
    client = api_client(cast.officer_a)
    made = client.post(URL, {"name": " A1 日常巡查 ", "grid": cast.grid_a1.code, "route": ["PA-2", "PA-1"],
                             "worker": cast.grid_worker_a.username, "frequency": "weekly", "tolerance_m": 60},
                       content_type="application/json")
    assert made.status_code == 201, made.content
    plan = made.json()
    assert (plan["name"], plan["grid"], plan["stops"], plan["worker"], plan["frequency"], plan["tolerance_m"]) == (
        "A1 日常巡查", cast.grid_a1.code, ["PA-2", "PA-1"], cast.grid_worker_a.username, "weekly", 60)
    row = PatrolPlan.objects.get()
    assert [s.risk_point.code for s in row.stops.order_by("order")] == ["PA-2", "PA-1"]
    assert client.get(f"{URL}/{row.pk}").json() == plan
    assert [p["id"] for p in client.get(URL).json()["items"]] == [row.pk]

    changed = client.patch(f"{URL}/{row.pk}", {"route": ["PA-1"], "worker": None, "tolerance_m": 200},
                           content_type="application/json")
    assert changed.status_code == 200, changed.content
    assert (changed.json()["stops"], changed.json()["worker"], changed.json()["tolerance_m"]) == (["PA-1"], None, 200)
    assert changed.json()["name"] == "A1 日常巡查"  # what was not given stays
    row.refresh_from_db()
    assert row.worker is None and row.tolerance_m == 200


def test_bad_input_names_the_field_and_changes_nothing(cast, points):
    client = api_client(cast.officer_a)
    base = {"name": "巡查", "grid": cast.grid_a1.code, "route": ["PA-1"]}
    cases = [({"route": ["PA-1", "NOPE"]}, "route"),      # unknown code
             ({"route": ["PC-1"]}, "route"),              # another community's point, not seen
             ({"route": []}, "route"),
             ({"grid": cast.community_a.code}, "grid"),   # a community is not a grid
             ({"tolerance_m": 2}, "tolerance_m"),
             ({"frequency": "hourly"}, "frequency"),
             ({"worker": "nobody-here"}, "worker"),
             ({"worker": cast.officer_c.username}, "worker"),  # of another community
             ({"name": ""}, "name")]
    for change, field in cases:
        answer = client.post(URL, {**base, **change}, content_type="application/json")
        assert answer.status_code == 422, (change, answer.content)
        assert field in {f.split(".")[0] for f in _fields(answer)}, (change, answer.json())
        assert answer.json()["detail"]
    assert not PatrolPlan.objects.exists()
    made = client.post(URL, base, content_type="application/json").json()
    for change, field in [({"tolerance_m": 9999}, "tolerance_m"), ({"grid": None}, "grid"),
                          ({"route": ["PC-1"]}, "route")]:
        answer = client.patch(f"{URL}/{made['id']}", change, content_type="application/json")
        assert answer.status_code == 422 and field in {f.split(".")[0] for f in _fields(answer)}, answer.content
    assert client.get(f"{URL}/{made['id']}").json() == made


def test_another_communitys_officer_gets_404_and_a_reader_403(cast, points):
    plan = api_client(cast.officer_a).post(URL, {"name": "巡查", "grid": cast.grid_a1.code, "route": ["PA-1"]},
                                            content_type="application/json").json()
    outsider = api_client(cast.officer_c)
    assert outsider.get(f"{URL}/{plan['id']}").status_code == 404
    assert outsider.patch(f"{URL}/{plan['id']}", {"name": "改"}, content_type="application/json").status_code == 404
    assert outsider.post(URL, {"name": "巡查", "grid": cast.grid_a1.code, "route": ["PA-1"]},
                         content_type="application/json").status_code == 404
    assert outsider.get(URL).json()["items"] == []
    reader = api_client(cast.auditor)
    assert reader.get(f"{URL}/{plan['id']}").status_code == 200
    assert reader.patch(f"{URL}/{plan['id']}", {"name": "改"}, content_type="application/json").status_code == 403
    assert PatrolPlan.objects.get().name == "巡查"
