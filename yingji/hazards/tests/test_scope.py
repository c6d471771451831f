"""Every hazards endpoint answers an officer of another community as if community A's rows did not exist."""

from __future__ import annotations

import json

import pytest

from yingji.core.testing import api_client, web_client
from yingji.hazards.models import Photo
from yingji.hazards.services.patrol import create_plan
from yingji.hazards.services.photos import attach_photos
from yingji.hazards.tests.builders import hazard, jpeg, point

pytestmark = pytest.mark.django_db
API = "/api/v1/hazards"


@pytest.fixture
def a_rows(cast):  # type: ignore[no-untyped-def]
    spot = point(cast.community_a, "A-1")
    found = hazard(cast.grid_a1, risk_point=spot)
    attach_photos([jpeg()], owner=found, actor=cast.grid_worker_a)
    plan = create_plan(actor=cast.officer_a, jurisdiction=cast.grid_a1, name="A1", points=[spot])
    return spot, found, plan, Photo.objects.get()


def test_details_and_writes_of_another_community_are_not_found(cast, a_rows):
    spot, found, plan, photo = a_rows
    c = api_client(cast.officer_c)
    for url in [f"{API}/risk-points/A-1", f"{API}/risk-points/A-1/gradings", f"{API}/risk-points/A-1/history",
                f"{API}/hazards/{found.pk}"]:
        assert c.get(url).status_code == 404, url
    assert c.patch(f"{API}/risk-points/A-1", {"grade": "red"}, content_type="application/json").status_code == 404
    assert c.delete(f"{API}/risk-points/A-1").status_code == 404
    assert c.post(f"{API}/patrol-plans/{plan.pk}/check-ins", {"risk_point": "A-1", "lon": 114.01,
                                                              "lat": 22.51}).status_code == 404
    web = web_client(cast.officer_c)
    for url in [f"/hazards/{found.pk}/", f"/hazards/photos/{photo.pk}/", f"/hazards/photos/{photo.pk}/thumb/"]:
        assert web.get(url).status_code == 404, url


def test_lists_maps_and_exports_of_another_community_are_empty(cast, a_rows):
    c = api_client(cast.officer_c)
    for url in [f"{API}/risk-points", f"{API}/hazards", f"{API}/patrol-plans", f"{API}/inspections",
                f"{API}/inspectors"]:
        assert c.get(url).json()["count"] == 0, url
    assert json.loads(c.get(f"{API}/riskmap.geojson").content)["features"] == []
    assert all(r["total"] == 0 for r in c.get(f"{API}/riskmap/counts", {"level": "community"}).json())
    assert c.get(f"{API}/patrols/missed").json() == []
    assert c.get(f"{API}/tasks").json()["to_recheck"] == []
    assert "A-1" not in web_client(cast.officer_c).get("/hazards/list/").content.decode()
    # The officer of A sees them all.
    a = api_client(cast.officer_a)
    assert a.get(f"{API}/hazards").json()["count"] == 1 and a.get(f"{API}/patrol-plans").json()["count"] == 1
