"""The four-colour risk map: points and areas by grade in scope, filters, heat per community, counts, export."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest

from yingji.core.testing import api_client, web_client
from yingji.hazards.tests.builders import point

pytestmark = pytest.mark.django_db
API = "/api/v1/hazards/riskmap"


@pytest.fixture
def points(cast):  # type: ignore[no-untyped-def]
    point(cast.community_a, "A-RED", "red", "slope", area={"type": "Polygon", "coordinates": [
        [[114.01, 22.51], [114.02, 22.51], [114.02, 22.52], [114.01, 22.51]]]})
    point(cast.community_a, "A-BLUE", "blue", "ebike_charging")
    point(cast.grid_a1, "A1-YELLOW", "yellow", "three_small")
    point(cast.community_b, "B-RED", "red", "hazmat", lon=114.02, lat=22.55)
    point(cast.community_c, "C-ORANGE", "orange", "hazmat", lon=114.06, lat=22.53)
    point(cast.community_c, "C-OFF", "red", "hazmat", lon=114.06, lat=22.53, is_active=False)
    return cast


def codes(response) -> set[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content
    return {f["properties"]["code"] for f in json.loads(response.content)["features"]}


def test_it_draws_only_the_active_points_in_scope_with_areas_as_polygons(points):
    cast = points
    assert codes(api_client(cast.officer_a).get(f"{API}.geojson")) == {"A-RED", "A-BLUE", "A1-YELLOW"}
    assert codes(api_client(cast.grid_worker_a).get(f"{API}.geojson")) == {"A1-YELLOW"}
    assert codes(api_client(cast.commander).get(f"{API}.geojson")) == {
        "A-RED", "A-BLUE", "A1-YELLOW", "B-RED", "C-ORANGE"}
    features = {f["properties"]["code"]: f for f in
                json.loads(api_client(cast.officer_a).get(f"{API}.geojson").content)["features"]}
    assert features["A-RED"]["geometry"]["type"] == "Polygon"
    assert features["A-BLUE"]["geometry"] == {"type": "Point", "coordinates": [114.01, 22.51]}
    assert features["A-RED"]["properties"]["grade"] == "red"


def test_it_filters_by_category_grade_and_area_and_refuses_unknown_values(points):
    client = api_client(points.commander, "en")
    assert codes(client.get(f"{API}.geojson", {"category": ["hazmat", "slope"]})) == {"A-RED", "B-RED", "C-ORANGE"}
    assert codes(client.get(f"{API}.geojson", {"grade": "red"})) == {"A-RED", "B-RED"}
    assert codes(client.get(f"{API}.geojson", {"area": "440304001000"})) == {"A-RED", "A-BLUE", "A1-YELLOW", "B-RED"}
    refused = client.get(f"{API}.geojson", {"category": "volcano"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"].split(".")[0] == "category"
    # An area outside the caller's scope is "not found", like any other.
    assert api_client(points.officer_a).get(f"{API}.geojson", {"area": "440304002001"}).status_code == 404
    assert api_client(points.officer_a).get(f"{API}/counts", {"area": "440304002001"}).status_code == 404
    assert api_client(points.officer_a).get(f"{API}/heat.geojson", {"area": "440304002001"}).status_code == 404


def test_it_counts_per_street_and_community_and_weights_the_heat(points):
    client = api_client(points.commander)
    streets = {r["code"]: r for r in client.get(f"{API}/counts").json()}
    assert (streets["440304001000"]["red"], streets["440304001000"]["total"]) == (2, 4)
    assert streets["440304002000"]["orange"] == 1 and streets["440304002000"]["red"] == 0
    communities = {r["code"]: r for r in client.get(f"{API}/counts", {"level": "community"}).json()}
    assert communities["440304001001"]["score"] == 4 + 1 + 2  # red + blue + yellow (in its grid)
    heat = {f["properties"]["code"]: f["properties"] for f in client.get(f"{API}/heat.geojson").json()["features"]}
    assert heat["440304001001"]["heat"] == 1.0 and heat["440304002001"]["heat"] == round(3 / 7, 3)
    # Community B's officer counts only B.
    assert [r["total"] for r in api_client(points.officer_b).get(f"{API}/counts", {"level": "community"}).json()] == [1]


def test_it_exports_counts_and_points_with_phones_masked_for_the_auditor(points):
    from yingji.hazards.models import RiskPoint

    RiskPoint.objects.filter(code="A-RED").update(responsible_phone="13912345678")
    content = api_client(points.auditor).get(f"{API}/export").content
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert len(book.sheetnames) == 4
    rows = list(book.worksheets[2].iter_rows(values_only=True))
    by_code = {r[0]: r for r in rows[1:]}
    assert set(by_code) == {"A-RED", "A-BLUE", "A1-YELLOW", "B-RED", "C-ORANGE"}
    assert "139****5678" in by_code["A-RED"]
    streets = list(book.worksheets[0].iter_rows(values_only=True))
    assert [r[1] for r in streets[1:]] == ["440304001000", "440304002000"]


def test_the_page_shows_counts_in_scope(points):
    page = web_client(points.officer_a).get("/hazards/")
    assert page.status_code == 200
    text = page.content.decode()
    # Community A's officer sees rows per grid of A (its grid holds one yellow point), nothing of B or C.
    assert "A社区第1网格" in text and "B社区" not in text and "C社区" not in text
    assert page.context["total"] == 3
    district = web_client(points.commander).get("/hazards/")
    assert [r.jurisdiction.code for r in district.context["rows"]] == ["440304001000", "440304002000"]
    outside = web_client(points.officer_c).get("/hazards/", {"area": "440304001001"})
    assert outside.context["total"] == 1 and outside.context["errors"]  # its own C-ORANGE only
    assert web_client(points.officer_a).get("/hazards/riskmap.xlsx").status_code == 200


def test_the_database_built_geojson_equals_the_python_one(points):
    from yingji.hazards.models import RiskPoint
    from yingji.hazards.services.riskmap import MapFilter, geojson_bytes, python_geojson_bytes
    from yingji.hazards.services.riskmap import points as scoped

    RiskPoint.objects.filter(code="A-BLUE").update(name='引号"与<脚本>\\反斜杠')
    for user in (points.commander, points.officer_a, points.expert, points.responder_a):
        flt = MapFilter()
        ours = sorted(json.loads(geojson_bytes(user, flt))["features"], key=lambda f: f["id"])
        rows = scoped(user, flt).order_by().values_list("id", "code", "name", "category", "grade", "lon", "lat", "area")
        theirs = sorted(json.loads(python_geojson_bytes(rows))["features"], key=lambda f: f["id"])
        assert ours == theirs
    # Someone who sees nothing gets an empty collection, not an error.
    from yingji.core.testing import make_user

    nobody = make_user("nobody", None, None)
    assert json.loads(geojson_bytes(nobody, MapFilter())) == {"type": "FeatureCollection", "features": []}
