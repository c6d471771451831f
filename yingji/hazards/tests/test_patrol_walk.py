"""A patrol on the grid worker's phone page: each point's checklist, a check-in with the phone's position
(refused outside the tolerance with the distance), the problems ticked, a hazard found there; scoped."""

from __future__ import annotations

import pytest

from yingji.core.testing import web_client
from yingji.hazards.models import CheckIn, Hazard, HazardSource
from yingji.hazards.services.patrol import create_plan
from yingji.hazards.tests.builders import jpeg, point

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(cast):  # type: ignore[no-untyped-def]
    first = point(cast.grid_a1, "RP-A-1", category="old_residential", lon=114.0100, lat=22.5100, name="A1老旧小区")
    second = point(cast.grid_a1, "RP-A-2", category="ebike_charging", lon=114.0200, lat=22.5150, name="A1车棚")
    return create_plan(actor=cast.officer_a, jurisdiction=cast.grid_a1, name="A1 日常巡查", points=[first, second],
                       worker=cast.grid_worker_a, tolerance_m=50)


def test_a_grid_worker_checks_in_point_by_point(cast, plan):
    client = web_client(cast.grid_worker_a)
    assert f"/hazards/grid/patrol/{plan.pk}/" in client.get("/hazards/grid/").content.decode()
    page = client.get(f"/hazards/grid/patrol/{plan.pk}/").content.decode()
    assert "A1老旧小区" in page and "A1车棚" in page and "楼道无杂物、无电动车停放" in page

    far = client.post(f"/hazards/grid/patrol/{plan.pk}/", {"point": "RP-A-1", "lon": "114.0110", "lat": "22.5100"},
                      follow=True)
    assert "请在 50 米范围内打卡" in far.content.decode()
    no_position = client.post(f"/hazards/grid/patrol/{plan.pk}/", {"point": "RP-A-1"}, follow=True)
    assert "无法定位" in no_position.content.decode()
    assert not CheckIn.objects.exists()

    done = client.post(f"/hazards/grid/patrol/{plan.pk}/", {
        "point": "RP-A-1", "lon": "114.01003", "lat": "22.51002", "accuracy": "12", "problem": ["stairwells_clear"],
        "hazard": "楼道堆放纸箱", "photos": [jpeg()]}, follow=True)
    assert "已在A1老旧小区打卡" in done.content.decode()
    check_in = CheckIn.objects.get()
    assert check_in.accuracy_m == 12 and check_in.photos.count() == 1
    assert [(a["key"], a["ok"]) for a in check_in.answers][:2] == [("stairwells_clear", False), ("wiring_safe", True)]
    found = Hazard.objects.get()
    assert (found.title, found.source, found.risk_point.code) == ("楼道堆放纸箱", HazardSource.PATROL, "RP-A-1")
    again = client.post(f"/hazards/grid/patrol/{plan.pk}/", {"point": "RP-A-1", "lon": "114.01", "lat": "22.51"},
                        follow=True)
    assert "本次巡查已在该点位打过卡" in again.content.decode()
    assert CheckIn.objects.count() == 1
    assert 'data-testid="progress">1/2' in client.get(f"/hazards/grid/patrol/{plan.pk}/").content.decode()


def test_the_patrol_page_is_scoped(cast, plan):
    assert web_client(cast.officer_c).get(f"/hazards/grid/patrol/{plan.pk}/").status_code == 404
    assert web_client(cast.officer_c).post(f"/hazards/grid/patrol/{plan.pk}/", {
        "point": "RP-A-1", "lon": "114.01", "lat": "22.51"}).status_code == 404
    # Community A's warehouse keeper sees the grid but does not patrol.
    assert web_client(cast.keeper_a).get(f"/hazards/grid/patrol/{plan.pk}/").status_code == 403
    assert not CheckIn.objects.exists()
