"""The coverage API: answers built from the caller's scope; outsiders get 404 (or 403)."""

from __future__ import annotations

import pytest

from yingji.core.testing import api_client
from yingji.coverage.models import CoverageRun
from yingji.coverage.tests.builders import NODES, make_station, world
from yingji.resources.models import StationKind

pytestmark = pytest.mark.django_db
API = "/api/v1/coverage"


def test_travel_time_between_two_points_and_from_a_station(cast):
    world(cast)
    client = api_client(cast.officer_a)
    (lon1, lat1), (lon2, lat2) = NODES[0], NODES[3]
    body = client.get(f"{API}/travel-time", {"from_lon": lon1, "from_lat": lat1, "to_lon": lon2, "to_lat": lat2}).json()
    assert body == {"seconds": 180.0, "minutes": 3.0, "estimated": False}
    assert client.get(f"{API}/travel-time", {"from_station": "ST-A", "to_lon": lon2, "to_lat": lat2}).json()[
        "seconds"] == 180.0


def test_travel_time_from_a_station_out_of_scope_is_404(cast):
    world(cast)
    response = api_client(cast.officer_c).get(f"{API}/travel-time", {"from_station": "ST-A", "to_lon": 114.06,
                                                                      "to_lat": 22.53})
    assert response.status_code == 404


def test_travel_time_needs_an_origin(cast):
    response = api_client(cast.officer_a, "en").get(f"{API}/travel-time", {"to_lon": 114.06, "to_lat": 22.53})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "from_station"


def test_nearest_stations_lists_only_visible_ones_with_minutes(cast):
    world(cast)
    make_station(cast.community_c, "ST-C", StationKind.MALL, *NODES[5])
    point = {"lon": NODES[4][0], "lat": NODES[4][1], "k": 5}
    everyone = api_client(cast.commander).get(f"{API}/nearest-stations", point).json()
    assert [(s["code"], s["minutes"], s["estimated"]) for s in everyone] == [("ST-C", 1.0, False), ("ST-A", 4.0, False)]
    only_own = api_client(cast.officer_a).get(f"{API}/nearest-stations", point).json()
    assert [s["code"] for s in only_own] == ["ST-A"]
    assert api_client(cast.officer_c).get(f"{API}/nearest-stations", {**point, "kind": "community"}).json() == []


def test_the_summary_per_street_and_per_community(cast):
    world(cast)
    body = api_client(cast.commander).get(f"{API}/summary", {"minutes": 3}).json()
    assert body["total"]["population"] == 21000 and body["total"]["covered_population"] == 10000
    assert [(r["code"], r["share"]) for r in body["rows"]] == [("440304001000", 1.0), ("440304002000", 0.0)]
    communities = api_client(cast.street_officer).get(f"{API}/summary", {"minutes": 3}).json()
    assert [r["code"] for r in communities["rows"]] == ["440304001001", "440304001002"]
    assert communities["total"]["population"] == 10000


def test_a_what_if_and_a_type_filter_through_the_api(cast):
    w = world(cast)
    client = api_client(cast.commander)
    added = client.get(f"{API}/summary", {"minutes": 3, "add": f"{NODES[5][0]},{NODES[5][1]}"}).json()
    assert added["total"]["share"] == 1.0 and added["added_sites"] == 1
    candidate = client.get(f"{API}/summary", {"minutes": 3, "candidates": [w.mall.pk]}).json()
    assert candidate["total"]["share"] == 1.0
    malls_only = client.get(f"{API}/summary", {"minutes": 3, "kinds": ["mall"]}).json()
    assert malls_only["total"]["covered_population"] == 0 and malls_only["stations"] == 0


def test_the_summary_of_an_area_out_of_scope_is_404(cast):
    world(cast)
    client = api_client(cast.officer_a)
    assert client.get(f"{API}/summary", {"area": "440304002001"}).status_code == 404
    assert client.get(f"{API}/summary", {"area": "440304001000"}).status_code == 404
    assert client.get(f"{API}/summary", {"area": "440304001001"}).status_code == 200


def test_a_candidate_site_out_of_scope_is_404(cast):
    w = world(cast)
    response = api_client(cast.officer_a).get(f"{API}/summary", {"candidates": [w.mall.pk]})
    assert response.status_code == 404


def test_bad_parameters_answer_422(cast):
    client = api_client(cast.commander, "en")
    assert client.get(f"{API}/summary", {"minutes": 0}).status_code == 422
    response = client.get(f"{API}/summary", {"add": "nonsense"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "add"
    assert client.get(f"{API}/summary", {"kinds": ["spaceport"]}).status_code == 422


def test_the_cells_layer_holds_only_the_callers_cells(cast):
    world(cast)
    mine = api_client(cast.officer_a).get(f"{API}/cells.geojson", {"minutes": 3}).json()
    assert sorted(f["properties"]["population"] for f in mine["features"]) == [1000, 2000]
    assert all(f["properties"]["covered"] for f in mine["features"])
    theirs = api_client(cast.officer_c).get(f"{API}/cells.geojson", {"minutes": 3}).json()
    assert sorted(f["properties"]["population"] for f in theirs["features"]) == [5000, 6000]
    assert not any(f["properties"]["covered"] for f in theirs["features"])
    assert api_client(cast.officer_c).get(f"{API}/cells.geojson", {"area": "440304001001"}).status_code == 404


def test_risk_points_and_stations_layers_are_scoped(cast):
    world(cast)
    risk = api_client(cast.officer_c).get(f"{API}/risk-points.geojson", {"minutes": 3}).json()
    assert [(f["properties"]["code"], f["properties"]["covered"]) for f in risk["features"]] == [("R-C", False)]
    stations = api_client(cast.officer_c).get(f"{API}/stations.geojson").json()
    assert stations["features"] == []
    assert [f["properties"]["code"] for f in api_client(cast.officer_a).get(f"{API}/stations.geojson").json()[
        "features"]] == ["ST-A"]


def test_isochrones_of_a_station_and_of_a_point(cast):
    world(cast)
    client = api_client(cast.officer_a)
    feature = client.get(f"{API}/isochrone", {"station": "ST-A", "minutes": 2}).json()
    assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon") and not feature["properties"]["estimated"]
    assert api_client(cast.officer_c).get(f"{API}/isochrone", {"station": "ST-A"}).status_code == 404
    point = client.get(f"{API}/isochrone", {"lon": 114.3, "lat": 22.7, "minutes": 5}).json()
    assert point["properties"]["estimated"]  # far off the network: the straight-line circle
    layer = client.get(f"{API}/isochrones.geojson", {"minutes": 3}).json()
    assert layer["properties"] == {"total": 1, "shown": 1}
    assert api_client(cast.officer_c).get(f"{API}/isochrones.geojson").json()["features"] == []


def test_targets_are_listed_for_the_streets_one_sees(cast):
    world(cast)
    rows = api_client(cast.commander).get(f"{API}/targets").json()
    assert [(r["code"], r["missing"]) for r in rows] == [
        ("440304001000", {"community": 0, "industrial_park": 3, "street_front": 1}),
        ("440304002000", {"community": 1, "industrial_park": 3, "street_front": 1})]
    assert [r["code"] for r in api_client(cast.street_officer).get(f"{API}/targets").json()] == ["440304001000"]
    assert api_client(cast.officer_a).get(f"{API}/targets").json() == []
    assert api_client(cast.officer_a).get(f"{API}/targets", {"area": "440304002000"}).status_code == 404


def test_siting_through_the_api_and_runs_out_of_scope(cast, django_capture_on_commit_callbacks):
    world(cast)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client(cast.commander).post(f"{API}/siting", {"new_sites": 1, "minutes": 3},
                                                   content_type="application/json")
    assert response.status_code == 202
    run = CoverageRun.objects.get()
    body = api_client(cast.commander).get(f"{API}/runs/{run.pk}").json()
    assert body["status"] == "done" and body["totals"]["share_after"] == 1.0 and len(body["sites"]) == 1
    assert api_client(cast.street_officer).get(f"{API}/runs/{run.pk}").status_code == 404
    assert api_client(cast.street_officer).get(f"{API}/runs").json()["count"] == 0
    refused = api_client(cast.officer_a).post(f"{API}/siting", {"area": "440304002001", "new_sites": 1},
                                              content_type="application/json")
    assert refused.status_code == 404
    grid = api_client(cast.grid_worker_a).post(f"{API}/siting", {"new_sites": 1}, content_type="application/json")
    assert grid.status_code == 403


def test_the_summary_and_the_layers_use_a_fixed_number_of_queries(cast, django_assert_max_num_queries):
    world(cast)
    client = api_client(cast.commander)
    client.get(f"{API}/summary")  # warm the token's last-use write
    for i in range(30):
        make_station(cast.community_c, f"ST-X{i}", StationKind.SMALL, 114.06, 22.53 + i * 0.001)
    with django_assert_max_num_queries(14):
        assert client.get(f"{API}/summary", {"level": "community"}).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(f"{API}/cells.geojson").status_code == 200
    with django_assert_max_num_queries(14):
        assert len(client.get(f"{API}/risk-points.geojson").json()["features"]) == 3
