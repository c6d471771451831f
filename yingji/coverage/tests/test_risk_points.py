"""The risk-point list: services with scope checks and audit, Excel export and import round trip."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from yingji.audit.services import history_rows
from yingji.core.testing import api_client
from yingji.coverage.models import RiskPoint
from yingji.coverage.services.risk import create_risk_point, update_risk_point
from yingji.coverage.tests.builders import world

pytestmark = pytest.mark.django_db
API = "/api/v1/coverage/risk-points"


def workbook(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Code", "Name", "Jurisdiction code", "Risk grade", "Type", "Longitude", "Latitude"])
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


def test_export_then_import_changes_nothing(cast):
    world(cast)
    client = api_client(cast.commander)
    exported = client.get(f"{API}/export")
    assert exported.status_code == 200
    again = client.post(f"{API}/import", {"file": SimpleUploadedFile("r.xlsx", exported.content)})
    assert again.json() == {"ok": True, "created": 0, "updated": 0, "unchanged": 3, "errors": []}


def test_import_creates_updates_and_names_the_bad_cells(cast):
    world(cast)
    client = api_client(cast.officer_a, "en")
    good = workbook([["R-A", "A老旧小区", "440304001001", "橙色", "", 114.02, 22.53],
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
