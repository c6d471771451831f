"""The risk-point register: services with scope checks, audit and grading history; API in scope; Excel round trip."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from yingji.audit.services import history_rows
from yingji.core.testing import api_client
from yingji.coverage.tests.builders import world
from yingji.hazards.models import RiskPoint
from yingji.hazards.services.risk import create_risk_point, update_risk_point

pytestmark = pytest.mark.django_db
API = "/api/v1/hazards/risk-points"


def workbook(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Code", "Name", "Jurisdiction code", "Risk grade", "Category", "Longitude", "Latitude"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_writes_are_checked_and_audited(cast):
    point = create_risk_point(actor=cast.officer_a, jurisdiction=cast.community_a, code="R-1", name="老旧小区",
                              grade="yellow", lon=114.01, lat=22.51)
    update_risk_point(point, actor=cast.officer_a, grade="red")
    assert [row["action"] for row in history_rows(point)][::-1][:2] in (["create", "update"], ["update", "create"])
    with pytest.raises(ValidationError):
        update_risk_point(point, actor=cast.officer_a, grade="purple")


def test_it_keeps_the_grading_history_with_who_and_why(cast):
    point = create_risk_point(actor=cast.officer_a, jurisdiction=cast.community_a, code="R-1", name="老旧小区",
                              grade="yellow", lon=114.01, lat=22.51, reason="初评")
    update_risk_point(point, actor=cast.officer_a, name="老旧小区A区")  # no new grade: no grading row
    update_risk_point(point, actor=cast.officer_a, grade="red", reason="外墙脱落")
    rows = list(point.gradings.order_by("at", "pk").values_list("grade_from", "grade_to", "actor_name", "reason"))
    assert rows == [("", "yellow", "officer_a", "初评"), ("yellow", "red", "officer_a", "外墙脱落")]
    body = api_client(cast.officer_a).get(f"{API}/R-1/gradings").json()
    assert [g["grade_to"] for g in body] == ["red", "yellow"]
    assert api_client(cast.officer_c).get(f"{API}/R-1/gradings").status_code == 404


def test_it_refuses_a_bad_area_and_a_bad_phone_naming_the_field(cast):
    client = api_client(cast.officer_a, "en")
    body = {"code": "R-2", "name": "边坡", "jurisdiction": "440304001001", "grade": "orange", "lon": 114.01,
            "lat": 22.51, "area": {"type": "Point", "coordinates": [1, 2]}, "responsible_phone": "12345"}
    answer = client.post(API, body, content_type="application/json")
    # The document's area is a Polygon or a MultiPolygon: a Point is refused before the service reads it.
    assert answer.status_code == 422
    assert {e["field"].split(".")[0] for e in answer.json()["errors"]} == {"area"}
    # A self-intersecting ring (a bow tie) and a bad phone: both named by the service in one answer.
    body["area"] = {"type": "Polygon", "coordinates": [[[114.0, 22.5], [114.1, 22.6], [114.1, 22.5], [114.0, 22.6], [114.0, 22.5]]]}
    answer = client.post(API, body, content_type="application/json")
    assert answer.status_code == 422
    assert {e["field"] for e in answer.json()["errors"]} == {"area", "responsible_phone"}
    assert not RiskPoint.objects.filter(code="R-2").exists()


def test_the_api_lists_creates_changes_and_deletes_in_scope(cast):
    world(cast)
    a = api_client(cast.officer_a)
    assert [p["code"] for p in a.get(API).json()["items"]] == ["R-A"]
    created = a.post(API, {"code": "R-A2", "name": "A边坡", "jurisdiction": "44030400100101", "grade": "orange",
                           "category": "slope", "lon": 114.01, "lat": 22.51, "responsible_phone": "13900001111"},
                     content_type="application/json")
    assert created.status_code == 201 and created.json()["grade"] == "orange"
    outside = a.post(API, {"code": "R-C2", "name": "C", "jurisdiction": "440304002001", "grade": "red",
                           "lon": 114.06, "lat": 22.53}, content_type="application/json")
    assert outside.status_code == 404
    changed = a.patch(f"{API}/R-A2", {"grade": "red", "reason": "雨季"}, content_type="application/json")
    assert changed.status_code == 200 and changed.json()["grade"] == "red"
    assert a.get(f"{API}/R-C").status_code == 404
    assert a.patch(f"{API}/R-C", {"grade": "blue"}, content_type="application/json").status_code == 404
    assert a.delete(f"{API}/R-C").status_code == 404
    assert a.get(f"{API}/R-C/history").status_code == 404
    # The auditor sees the register but not the responsible person's phone.
    assert api_client(cast.auditor).get(f"{API}/R-A2").json()["responsible_phone"] == "139****1111"
    # … nor in the point's change history, where the officer sees it.
    history = api_client(cast.auditor).get(f"{API}/R-A2/history").content.decode()
    assert "139****1111" in history and "13900001111" not in history
    assert "13900001111" in a.get(f"{API}/R-A2/history").content.decode()
    assert api_client(cast.grid_worker_a).delete(f"{API}/R-A2").status_code == 403
    assert a.delete(f"{API}/R-A2").status_code == 204
    assert set(RiskPoint.objects.values_list("code", flat=True)) == {"R-A", "R-B", "R-C"}


def test_export_then_import_changes_nothing(cast):
    world(cast)
    client = api_client(cast.commander)
    exported = client.get(f"{API}/export")
    assert exported.status_code == 200
    again = client.post(f"{API}/import", {"file": SimpleUploadedFile("r.xlsx", exported.getvalue())})
    assert again.json() == {"ok": True, "created": 0, "updated": 0, "unchanged": 3, "errors": []}


def test_import_creates_updates_and_names_the_bad_cells(cast):
    world(cast)
    client = api_client(cast.officer_a, "en")
    good = workbook([["R-A", "A老旧小区", "440304001001", "较大风险", "", 114.02, 22.53],
                     ["R-A9", "A边坡", "44030400100101", "Low risk (blue)", "slope", 114.01, 22.51]])
    body = client.post(f"{API}/import", {"file": SimpleUploadedFile("r.xlsx", good)}).json()
    assert body["errors"] == []
    assert body["ok"] and (body["created"], body["updated"]) == (1, 1)
    assert RiskPoint.objects.get(code="R-A").grade == "orange"
    bad = workbook([["R-A10", "A", "440304001001", "purple", "", 114.01, 22.51],
                    ["R-C", "C低洼地", "440304002001", "red", "", 114.06, 22.53]])
    refused = client.post(f"{API}/import", {"file": SimpleUploadedFile("r.xlsx", bad)})
    assert refused.status_code == 422
    errors = refused.json()["errors"]
    assert (errors[0]["row"], errors[0]["column"]) == (2, "Risk grade")
    assert errors[1]["row"] == 3  # community C's point: not in officer A's area
    assert not RiskPoint.objects.filter(code="R-A10").exists()
