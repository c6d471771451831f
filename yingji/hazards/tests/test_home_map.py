"""The grid worker's home map (issue 13): GET /api/v1/hazards/hazards.geojson — the open hazards one
sees, as points, for an area's subtree — and the home panel that draws it with the grid's risk points."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from yingji.core.testing import api_client, web_client
from yingji.hazards.models import HazardStatus
from yingji.hazards.tests.builders import hazard

URL = "/api/v1/hazards/hazards.geojson"


@pytest.fixture
def hazards(cast):  # type: ignore[no-untyped-def]
    return {"a1": hazard(cast.grid_a1, "消防通道堆放杂物", lon=114.03, lat=22.512,
                         deadline=timezone.now() + datetime.timedelta(days=3)),
            "a1_closed": hazard(cast.grid_a1, "已整改", status=HazardStatus.CLOSED),
            "a": hazard(cast.community_a, "A社区楼道杂物"),
            "b1": hazard(cast.grid_b1, "B1楼道杂物", lon=114.03, lat=22.55)}


def _titles(answer) -> set[str]:  # type: ignore[no-untyped-def]
    assert answer.status_code == 200, answer.content
    return {f["properties"]["title"] for f in answer.json()["features"]}


def test_it_answers_the_open_hazards_a_user_sees(cast, hazards) -> None:  # type: ignore[no-untyped-def]
    assert _titles(api_client(cast.grid_worker_a).get(URL)) == {"消防通道堆放杂物"}
    assert _titles(api_client(cast.officer_a).get(URL)) == {"消防通道堆放杂物", "A社区楼道杂物"}
    assert _titles(api_client(cast.officer_b).get(URL)) == {"B1楼道杂物"}
    feature = api_client(cast.grid_worker_a).get(URL).json()["features"][0]
    assert feature["geometry"] == {"type": "Point", "coordinates": [114.03, 22.512]}
    assert feature["properties"]["status_label"] == "已交办"


def test_an_area_narrows_it_to_the_subtree_and_another_communitys_area_is_404(cast, hazards) -> None:  # type: ignore[no-untyped-def]
    officer = api_client(cast.officer_a)
    assert _titles(officer.get(URL, {"area": cast.grid_a1.code})) == {"消防通道堆放杂物"}
    answer = officer.get(URL, {"area": cast.grid_b1.code})
    assert answer.status_code == 404 and "B1" not in answer.content.decode()
    assert api_client(cast.grid_worker_a).get(URL, {"area": cast.community_a.code}).status_code == 404


def test_a_grid_workers_home_carries_the_map_of_their_grid(cast) -> None:  # type: ignore[no-untyped-def]
    page = web_client(cast.grid_worker_a).get("/").content.decode()
    assert 'data-testid="grid-home-map"' in page and "我的网格 · A社区第1网格" in page
    assert f"area={cast.grid_a1.code}" in page and "hazards/homemap.js" in page
    for other in (cast.officer_a, cast.commander, cast.keeper_a):
        assert 'data-testid="grid-home-map"' not in web_client(other).get("/").content.decode()
