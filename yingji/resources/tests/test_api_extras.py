"""The registry's routes beyond CRUD: map layers, filters, team status, photos,
the web import page, and the home page's per-street counts."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from yingji.core.testing import api_client, web_client
from yingji.resources.models import FacilityKind, Station, StationKind, TeamStatus
from yingji.resources.tests import builders as b

API = "/api/v1/resources"


def test_the_map_layers_are_scoped_and_carry_the_staffing_verdict(cast):
    good = b.staffed_station(cast.community_a)
    short = b.staffed_station(cast.community_a, members=3)
    b.make_station(cast.community_b)
    b.make_facility(cast.community_a, kind=FacilityKind.AED, capacity=None, area_m2=None, supplies_on_site="")
    layer = api_client(cast.officer_a).get(f"{API}/stations/geojson").json()
    verdicts = {f["properties"]["code"]: f["properties"]["compliant"] for f in layer["features"]}
    assert verdicts == {good.code: True, short.code: False}
    assert layer["features"][0]["geometry"]["type"] == "Point"
    facilities = api_client(cast.officer_b).get(f"{API}/facilities/geojson").json()
    assert facilities["features"] == []
    street = api_client(cast.street_officer).get(f"{API}/stations/geojson?jurisdiction={cast.community_b.code}")
    assert len(street.json()["features"]) == 1
    assert api_client(cast.officer_b).get(f"{API}/stations/geojson?jurisdiction={cast.community_a.code}"
                                          ).status_code == 404


def test_lists_filter_by_type_status_jurisdiction_and_text(cast):
    b.make_station(cast.community_a, name="甲微站", kind=StationKind.MICRO_FIRE)
    b.make_station(cast.community_a, name="乙社区站")
    b.make_station(cast.community_b, name="丙社区站")
    client = api_client(cast.street_officer)

    def names(query: str) -> set[str]:
        return {row["name"] for row in client.get(f"{API}/stations/?{query}").json()["items"]}

    assert names("kind=micro_fire") == {"甲微站"}
    assert names(f"jurisdiction={cast.community_a.code}") == {"甲微站", "乙社区站"}
    assert names("q=社区站") == {"乙社区站", "丙社区站"}
    assert names("service=rescue") == {"甲微站", "乙社区站", "丙社区站"}
    assert names("service=water_delivery") == set()
    assert client.get(f"{API}/stations/?kind=castle").status_code == 422
    web = web_client(cast.street_officer)
    page = web.get(f"/resources/stations/?kind=micro_fire&jurisdiction={cast.community_a.code}").content.decode()
    assert "甲微站" in page and "乙社区站" not in page
    # The station map asks for the same area and type (an & inside a script must not become &amp;).
    assert "\\u0026kind\\u003Dmicro_fire" in page and "&amp;kind" not in page


def test_incidents_set_a_teams_status(cast):
    team = b.make_team(cast.community_a)
    client = api_client(cast.officer_a)
    response = client.post(f"{API}/teams/{team.pk}/status", {"status": "on_call"}, content_type="application/json")
    assert response.status_code == 200
    team.refresh_from_db()
    assert team.status == TeamStatus.ON_CALL
    assert api_client(cast.officer_b).post(f"{API}/teams/{team.pk}/status", {"status": "available"},
                                           content_type="application/json").status_code == 404
    assert client.get(f"{API}/teams/?status=on_call").json()["count"] == 1


def test_a_station_photo_is_uploaded_and_served(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    station = b.make_station(cast.community_a)
    client = api_client(cast.officer_a)
    photo = SimpleUploadedFile("station.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64, content_type="image/png")
    response = client.post(f"{API}/stations/{station.pk}/photo", {"file": photo})
    assert response.status_code == 200, response.json()
    assert response.json()["photo_url"].startswith("/media/stations/")
    not_image = SimpleUploadedFile("station.exe", b"MZ", content_type="application/octet-stream")
    assert client.post(f"{API}/stations/{station.pk}/photo", {"file": not_image}).status_code == 422
    assert Station.objects.get(pk=station.pk).photo.name.endswith(".png")


def test_the_web_import_page_shows_row_errors_and_saves_nothing(cast):
    web = web_client(cast.officer_a, language="en")
    bad = (f"Station code,Station name,Jurisdiction code,Station type,Longitude,Latitude\n"
           f"ST-W1,甲站,{cast.community_a.code},community,114.02,22.51\n"
           f"ST-W2,乙站,{cast.community_a.code},castle,114.02,22.51\n").encode()
    response = web.post("/resources/stations/import/", {"file": SimpleUploadedFile("s.csv", bad)})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="import-errors"' in page and "Station type" in page
    assert not Station.objects.filter(code="ST-W1").exists()
    good = bad.replace(b"castle", b"micro_fire")
    response = web.post("/resources/stations/import/", {"file": SimpleUploadedFile("s.csv", good)})
    assert response.status_code == 302
    assert Station.objects.filter(code__in=["ST-W1", "ST-W2"]).count() == 2


def test_the_web_list_answers_htmx_with_rows_only_and_paginates(cast):
    for n in range(55):
        b.make_expert(cast.community_a, name=f"专家{n:02d}")
    web = web_client(cast.officer_a)
    partial = web.get("/resources/experts/?q=专家", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and "专家00" in partial
    second = web.get("/resources/experts/?page=2").content.decode()
    assert "专家54" in second and "专家00" not in second


@pytest.mark.parametrize("role", ["auditor", "grid_worker_a"])
def test_read_only_roles_see_no_write_buttons(cast, role):
    page = web_client(getattr(cast, role), language="en").get("/resources/stations/").content.decode()
    assert "/resources/stations/new/" not in page
    assert "/resources/stations/import/" not in page


def test_the_home_page_counts_stations_and_teams_per_street(cast):
    b.make_team(cast.community_a, b.make_station(cast.community_a))
    b.make_station(cast.community_c)
    page = web_client(cast.commander, language="en").get("/").content.decode()
    assert "Stations" in page and "Teams" in page


def test_a_refusal_names_the_field_the_client_sent_and_the_document_lists_its_rule(cast):
    """The services name their rows (jurisdiction, station, team); the API answers with the payload's
    names, and each such 422 comes from a rule the operation's x-refuses states."""
    client = api_client(cast.officer_a)
    team = client.post(f"{API}/teams/", {"code": "T-X", "name": "队", "kind": "volunteer"},
                       content_type="application/json")
    assert team.status_code == 422
    assert [e["field"] for e in team.json()["errors"]] == ["jurisdiction_code"]
    equipment = client.post(f"{API}/equipment/", {"code": "E-X", "name": "泵", "kind": "ppe"},
                            content_type="application/json")
    assert [e["field"] for e in equipment.json()["errors"]] == ["jurisdiction_code"]
    document = client.get("/api/v1/openapi.json").json()
    for ledger in ("teams", "equipment"):
        stated = {rule["field"] for rule in document["paths"][f"{API}/{ledger}/"]["post"]["x-refuses"]}
        assert "jurisdiction_code" in stated


@pytest.mark.parametrize("ledger", ["stations", "experts", "facilities"])
def test_a_registry_row_needs_its_jurisdiction_whoever_registers_it(cast, ledger):
    document = api_client(cast.commander).get("/api/v1/openapi.json").json()
    body = document["paths"][f"{API}/{ledger}/"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    schema = document["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    assert "jurisdiction_code" in schema["required"]
    assert schema["properties"]["jurisdiction_code"]["minLength"] == 1
    for user in (cast.commander, cast.officer_a):
        answer = api_client(user).post(f"{API}/{ledger}/", {"jurisdiction_code": ""}, content_type="application/json")
        assert answer.status_code == 422
        assert "jurisdiction_code" in {e["field"] for e in answer.json()["errors"]}


def test_a_certificates_dates_and_kind_are_refused_under_their_fields(cast):
    member = b.make_member(b.make_team(cast.community_a))
    client = api_client(cast.officer_a)
    url = f"{API}/members/{member.pk}/certificates"
    backwards = client.post(url, {"kind": "first_aid", "issued_on": "2024-05-01", "expires_on": "2024-04-30"},
                            content_type="application/json")
    assert backwards.status_code == 422
    assert [e["field"] for e in backwards.json()["errors"]] == ["expires_on"]
    assert client.post(url, {"kind": "first_aid"}, content_type="application/json").status_code == 201
    again = client.post(url, {"kind": "first_aid"}, content_type="application/json")
    assert again.status_code == 422
    assert [e["field"] for e in again.json()["errors"]] == ["kind"]


def test_maintenance_refusals_name_the_payloads_fields(cast):
    item = b.make_equipment(cast.community_a)
    answer = api_client(cast.officer_a).post(f"{API}/equipment/{item.pk}/maintenance",
                                             {"on": "2024-05-01", "next_on": "2024-04-01"},
                                             content_type="application/json")
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == ["next_on"]
