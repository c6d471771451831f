"""Generated conformance tests over every ledger of the registry: CRUD through
the API with an audit record per write, the neighbour gets 404 (API and web),
imports that succeed or write nothing, and an export that re-imports unchanged."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from yingji.audit.models import ChangeRecord
from yingji.core.testing import Cast, api_client, web_client
from yingji.resources.models import Equipment, Expert, Facility, Member, Station, Team
from yingji.resources.tests import builders as b

API = "/api/v1/resources"


@dataclass
class Ledger:
    name: str
    model: type
    payload: Callable[[Cast], dict[str, Any]]
    patch: dict[str, Any]
    build: Callable[[Cast, Any], Any]
    csv: Callable[[Cast], str]
    bad_csv: Callable[[Cast], str]
    web: str

    def __str__(self) -> str:
        return self.name


def _team_in_a(cast: Cast) -> Team:
    return Team.objects.filter(code="TM-A").first() or b.make_team(cast.community_a, code="TM-A")


LEDGERS = [
    Ledger(
        "stations", Station,
        payload=lambda c: {"code": "ST-A-1", "name": "A社区应急服务站", "kind": "community",
                           "jurisdiction_code": c.community_a.code, "lon": 114.02, "lat": 22.52,
                           "services": ["rescue", "door_opening"]},
        patch={"name": "A社区应急管理服务站", "open_24h": False, "hours": "08:00-20:00"},
        build=lambda c, j: b.make_station(j),
        csv=lambda c: ("Station code,Station name,Jurisdiction code,Station type,Longitude,Latitude,Services offered\n"
                       f"ST-X1,甲站,{c.community_a.code},Community station,114.02,22.51,Rescue、Door opening\n"
                       f"ST-X2,乙站,{c.community_a.code},micro_fire,114.03,22.52,\n"),
        bad_csv=lambda c: ("Station code,Station name,Jurisdiction code,Station type,Longitude,Latitude\n"
                           f"ST-X1,甲站,{c.community_a.code},community,114.02,22.51\n"
                           f"ST-X2,乙站,{c.community_b.code},community,abc,22.52\n"),
        web="stations",
    ),
    Ledger(
        "teams", Team,
        payload=lambda c: {"code": "TM-A-1", "name": "A社区救援队", "kind": "community_rescue",
                           "jurisdiction_code": c.community_a.code, "specialties": ["fire", "water_rescue"]},
        patch={"status": "on_call", "contact_name": "李队长"},
        build=lambda c, j: b.make_team(j),
        csv=lambda c: ("Team code,Team name,Team type,Jurisdiction code,Specialties,Status\n"
                       f"TM-X1,甲队,community_rescue,{c.community_a.code},Firefighting、Medical,available\n"
                       f"TM-X2,乙队,Volunteer team,{c.community_a.code},,\n"),
        bad_csv=lambda c: ("Team code,Team name,Team type,Jurisdiction code,Specialties\n"
                           f"TM-X1,甲队,community_rescue,{c.community_a.code},fire\n"
                           f"TM-X2,乙队,no_such_kind,{c.community_a.code},juggling\n"),
        web="teams",
    ),
    Ledger(
        "members", Member,
        payload=lambda c: {"team_code": _team_in_a(c).code, "name": "李四", "phone": "13911112222",
                           "id_number": b.VALID_ID_NUMBERS[0], "team_role": "captain", "skills": ["急救"]},
        patch={"on_duty": False, "training_hours": 24},
        build=lambda c, j: b.make_member(b.make_team(j)),
        csv=lambda c: ("Team code,Name,Mobile phone,ID number,Team role,Certificates (type:expiry)\n"
                       f"{_team_in_a(c).code},张三,13900000001,{b.VALID_ID_NUMBERS[1]},Captain,"
                       "First aid:2027-01-01、CPR/AED:2026-12-01\n"
                       f"{_team_in_a(c).code},王五,13900000002,,member,\n"),
        bad_csv=lambda c: ("Team code,Name,Mobile phone,ID number\n"
                           f"{_team_in_a(c).code},张三,13900000001,{b.VALID_ID_NUMBERS[1]}\n"
                           f"{_team_in_a(c).code},王五,13900000002,440304199001011234\n"),
        web="members",
    ),
    Ledger(
        "experts", Expert,
        payload=lambda c: {"code": "EX-A-1", "name": "王专家", "field": "hazmat",
                           "jurisdiction_code": c.community_a.code, "phone": "13722223333"},
        patch={"available": False},
        build=lambda c, j: b.make_expert(j),
        csv=lambda c: ("Expert code,Name,Field,Jurisdiction code,Available\n"
                       f"EX-X1,甲专家,Hazardous chemicals,{c.community_a.code},是\n"
                       f"EX-X2,乙专家,medical,{c.community_a.code},no\n"),
        bad_csv=lambda c: ("Expert code,Name,Field,Jurisdiction code\n"
                           f"EX-X1,甲专家,hazmat,{c.community_a.code}\n"
                           f"EX-X2,,medical,{c.community_a.code}\n"),
        web="experts",
    ),
    Ledger(
        "equipment", Equipment,
        payload=lambda c: {"code": "EQ-A-1", "name": "巡逻车", "kind": "patrol_vehicle",
                           "jurisdiction_code": c.community_a.code, "count": 2, "plate_number": "粤B12345"},
        patch={"status": "maintenance", "next_maintenance_on": "2030-01-01"},
        build=lambda c, j: b.make_equipment(j),
        csv=lambda c: ("Equipment code,Name,Equipment type,Jurisdiction code,Count,Next maintenance\n"
                       f"EQ-X1,消防泵,fire_pump,{c.community_a.code},3,2027-03-01\n"
                       f"EQ-X2,无人机,Drone,{c.community_a.code},1,\n"),
        bad_csv=lambda c: ("Equipment code,Name,Equipment type,Jurisdiction code,Count\n"
                           f"EQ-X1,消防泵,fire_pump,{c.community_a.code},3\n"
                           f"EQ-X2,无人机,drone,{c.community_a.code},0\n"),
        web="equipment",
    ),
    Ledger(
        "facilities", Facility,
        payload=lambda c: {"code": "FA-A-1", "name": "A社区避难场所", "kind": "shelter",
                           "jurisdiction_code": c.community_a.code, "lon": 114.02, "lat": 22.52, "capacity": 300},
        patch={"status": "under_repair", "capacity": 350},
        build=lambda c, j: b.make_facility(j),
        csv=lambda c: ("Facility code,Name,Facility type,Jurisdiction code,Longitude,Latitude,Capacity (people)\n"
                       f"FA-X1,甲避难所,shelter,{c.community_a.code},114.02,22.51,800\n"
                       f"FA-X2,乙消防栓,Fire hydrant,{c.community_a.code},114.03,22.52,\n"),
        bad_csv=lambda c: ("Facility code,Name,Facility type,Jurisdiction code,Longitude,Latitude\n"
                           f"FA-X1,甲消防栓,hydrant,{c.community_a.code},114.02,22.51\n"
                           f"FA-X2,乙消防栓,hydrant,{c.community_a.code},114.30,22.90\n"),
        web="facilities",
    ),
]

pytestmark = pytest.mark.parametrize("ledger", LEDGERS, ids=str)


def _records() -> int:
    return ChangeRecord.objects.count()


def test_it_creates_reads_updates_and_deletes_through_the_api(cast, ledger):
    client = api_client(cast.officer_a)
    created = client.post(f"{API}/{ledger.name}/", ledger.payload(cast), content_type="application/json")
    assert created.status_code == 201, created.json()
    row_id = created.json()["id"]
    assert client.get(f"{API}/{ledger.name}/{row_id}").status_code == 200
    changed = client.patch(f"{API}/{ledger.name}/{row_id}", ledger.patch, content_type="application/json")
    assert changed.status_code == 200, changed.json()
    for key, value in ledger.patch.items():
        assert changed.json()[key] == value
    history = client.get(f"{API}/{ledger.name}/{row_id}/history").json()
    assert [h["action"] for h in history] == ["update", "create"]
    assert history[0]["actor"] == "officer_a"
    assert client.delete(f"{API}/{ledger.name}/{row_id}").status_code == 204
    assert client.get(f"{API}/{ledger.name}/{row_id}").status_code == 404
    assert not ledger.model.objects.filter(pk=row_id).exists()


def test_the_neighbouring_community_gets_404_through_api_and_web(cast, ledger):
    row = ledger.build(cast, cast.community_a)
    api = api_client(cast.officer_b)
    assert api.get(f"{API}/{ledger.name}/{row.pk}").status_code == 404
    assert api.patch(f"{API}/{ledger.name}/{row.pk}", ledger.patch, content_type="application/json").status_code == 404
    assert api.delete(f"{API}/{ledger.name}/{row.pk}").status_code == 404
    assert api.get(f"{API}/{ledger.name}/{row.pk}/history").status_code == 404
    assert row.pk not in [r["id"] for r in api.get(f"{API}/{ledger.name}/").json()["items"]]
    web = web_client(cast.officer_b)
    assert web.get(f"/resources/{ledger.web}/{row.pk}/").status_code == 404
    assert web.get(f"/resources/{ledger.web}/{row.pk}/edit/").status_code == 404
    assert web.post(f"/resources/{ledger.web}/{row.pk}/delete/").status_code == 404
    assert ledger.model.objects.filter(pk=row.pk).exists()


def test_the_neighbour_cannot_create_rows_in_community_a(cast, ledger):
    payload = ledger.payload(cast)
    before = ledger.model.objects.count()
    response = api_client(cast.officer_b).post(f"{API}/{ledger.name}/", payload, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"].endswith("_code")
    assert ledger.model.objects.count() == before


def test_read_only_roles_cannot_write(cast, ledger):
    row = ledger.build(cast, cast.community_a)
    response = api_client(cast.responder_a).patch(f"{API}/{ledger.name}/{row.pk}", ledger.patch,
                                                  content_type="application/json")
    assert response.status_code == 403


def test_the_list_takes_a_fixed_number_of_queries(cast, ledger):
    client = api_client(cast.commander)
    ledger.build(cast, cast.community_a)
    client.get(f"{API}/{ledger.name}/")  # the token's first use writes its last-use time
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"{API}/{ledger.name}/").status_code == 200
    for _ in range(4):
        ledger.build(cast, cast.community_b)
    with CaptureQueriesContext(connection) as many:
        response = client.get(f"{API}/{ledger.name}/")
    assert response.json()["count"] == ledger.model.objects.count()
    assert len(many) == len(few)


def test_the_web_list_takes_a_fixed_number_of_queries(cast, ledger):
    web = web_client(cast.street_officer)
    ledger.build(cast, cast.community_a)
    web.get(f"/resources/{ledger.web}/")
    with CaptureQueriesContext(connection) as few:
        web.get(f"/resources/{ledger.web}/")
    for _ in range(4):
        ledger.build(cast, cast.community_b)
    with CaptureQueriesContext(connection) as many:
        web.get(f"/resources/{ledger.web}/")
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_the_web_list_and_detail_render(cast, ledger):
    row = ledger.build(cast, cast.community_a)
    web = web_client(cast.officer_a)
    listing = web.get(f"/resources/{ledger.web}/")
    assert listing.status_code == 200
    assert str(row) in listing.content.decode()
    assert web.get(f"/resources/{ledger.web}/?q=nothing-like-this", HTTP_HX_REQUEST="true").status_code == 200
    assert web.get(f"/resources/{ledger.web}/{row.pk}/").status_code == 200
    assert web.get(f"/resources/{ledger.web}/{row.pk}/edit/").status_code == 200
    assert web.get(f"/resources/{ledger.web}/new/").status_code == 200
    assert web.get(f"/resources/{ledger.web}/import/").status_code == 200


def test_an_import_creates_then_updates_by_natural_key(cast, ledger):
    client = api_client(cast.officer_a)
    content = ledger.csv(cast).encode()
    before = ledger.model.objects.count()
    first = client.post(f"{API}/{ledger.name}/import", {"file": _upload(content)})
    assert first.status_code == 200, first.json()
    assert (first.json()["created"], first.json()["updated"]) == (2, 0)
    assert ledger.model.objects.count() == before + 2
    again = client.post(f"{API}/{ledger.name}/import", {"file": _upload(content)})
    assert (again.json()["created"], again.json()["updated"], again.json()["unchanged"]) == (0, 0, 2)
    assert ledger.model.objects.count() == before + 2


def test_an_import_with_a_bad_row_writes_nothing_and_names_row_and_column(cast, ledger):
    client = api_client(cast.officer_a)
    content = ledger.bad_csv(cast).encode()
    before, records = ledger.model.objects.count(), _records()
    response = client.post(f"{API}/{ledger.name}/import", {"file": _upload(content)})
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors and all(e["row"] == 3 for e in errors), errors
    assert errors[0]["column"], errors
    assert ledger.model.objects.count() == before
    assert _records() == records


def test_an_export_re_imports_without_changing_anything(cast, ledger):
    ledger.build(cast, cast.community_a)
    ledger.build(cast, cast.community_a)
    client = api_client(cast.officer_a)
    exported = client.get(f"{API}/{ledger.name}/export")
    assert exported.status_code == 200
    records = _records()
    result = client.post(f"{API}/{ledger.name}/import", {"file": _upload(exported.getvalue(), "export.xlsx")}).json()
    assert (result["created"], result["updated"], result["unchanged"]) == (0, 0, 2), result
    assert _records() == records


def test_the_template_and_the_web_export_download(cast, ledger):
    web = web_client(cast.officer_a)
    for suffix in ("template.xlsx", "export.xlsx"):
        response = web.get(f"/resources/{ledger.web}/{suffix}")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def _upload(content: bytes, name: str = "rows.csv") -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)
