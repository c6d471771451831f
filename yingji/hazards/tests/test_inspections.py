"""Enforcement inspections: findings open hazards; per street the certified share and weekly inspections."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
from django.utils import timezone

from yingji.core.testing import api_client
from yingji.hazards.models import Hazard, HazardSource, Inspector
from yingji.hazards.services.inspections import create_inspector, week_start
from yingji.hazards.tests.builders import point

pytestmark = pytest.mark.django_db
API = "/api/v1/hazards/inspections"


@pytest.fixture
def staff(cast):  # type: ignore[no-untyped-def]
    valid = timezone.localdate() + datetime.timedelta(days=365)
    expired = timezone.localdate() - datetime.timedelta(days=1)
    return [
        create_inspector(actor=cast.street_officer, jurisdiction=cast.street_1, staff_number="ZF1", name="张执法",
                         certificate_number="粤执001", certificate_issuer="深圳市福田区人民政府", certificate_valid_until=valid),
        create_inspector(actor=cast.street_officer, jurisdiction=cast.street_1, staff_number="ZF2", name="李执法",
                         certificate_number="粤执002", certificate_issuer="深圳市福田区人民政府", certificate_valid_until=expired),
        create_inspector(actor=cast.street_officer, jurisdiction=cast.street_1, staff_number="ZF3", name="王协管"),
    ]


def test_an_inspection_with_findings_opens_hazards_in_the_place(cast, staff):
    point(cast.community_a, "A-SHOP", category="three_small")
    body = {"inspector": "ZF1", "place": "A社区小餐馆", "inspected_on": str(timezone.localdate()),
            "risk_point": "A-SHOP", "findings": "灭火器过期；店内住人",
            "hazards": [{"title": "灭火器过期", "severity": "minor"}, {"title": "店内住人", "severity": "major"}]}
    answer = api_client(cast.street_officer).post(API, body, content_type="application/json")
    assert answer.status_code == 201, answer.content
    assert answer.json()["result"] == "hazards" and len(answer.json()["hazards"]) == 2
    opened = Hazard.objects.filter(source=HazardSource.INSPECTION)
    assert {h.severity for h in opened} == {"minor", "major"}
    assert {h.jurisdiction for h in opened} == {cast.community_a}
    # Community staff do not run the street's enforcement; another street's officer cannot see the inspector.
    assert api_client(cast.officer_c).post(API, body, content_type="application/json").status_code == 404
    future = {**body, "inspected_on": str(timezone.localdate() + datetime.timedelta(days=2)), "hazards": []}
    refused = api_client(cast.street_officer, "en").post(API, future, content_type="application/json")
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "inspected_on"


def test_compliance_counts_certified_staff_and_weekly_inspections(cast, staff):
    from yingji.hazards.services.inspections import record_inspection

    monday = week_start(timezone.localdate())
    record_inspection(actor=cast.street_officer, inspector=staff[0], place="工地", inspected_on=monday,
                      jurisdiction=cast.community_b)
    record_inspection(actor=cast.street_officer, inspector=staff[1], place="工地", inspected_on=monday,
                      jurisdiction=cast.community_a)
    record_inspection(actor=cast.street_officer, inspector=staff[2], place="旧账", jurisdiction=cast.community_a,
                      inspected_on=monday - datetime.timedelta(days=3))  # last week: does not count
    rows = {r["street"]: r for r in api_client(cast.commander).get(f"{API}/compliance").json()}
    s1 = rows["440304001000"]
    assert (s1["inspectors"], s1["certified"], s1["inspections"]) == (3, 1, 2)
    assert round(s1["certified_share"], 3) == 0.333 and s1["meets_certified"] is False
    assert s1["below_weekly"] == ["ZF3"] and s1["meets_weekly"] is False
    assert rows["440304002000"]["inspectors"] == 0
    last_week = api_client(cast.commander).get(f"{API}/compliance", {"week": str(monday - datetime.timedelta(days=7))})
    assert {r["street"]: r["inspections"] for r in last_week.json()}["440304001000"] == 1
    book = openpyxl.load_workbook(io.BytesIO(api_client(cast.commander).get(f"{API}/compliance/export").getvalue()))
    assert [r[1] for r in book.worksheets[1].iter_rows(min_row=2, values_only=True)] == ["ZF3", "ZF1", "ZF2"]
    # Street 2's officer? None in the cast; community C's officer sees no street row of street 1.
    assert "440304001000" not in {r["street"] for r in api_client(cast.officer_c).get(f"{API}/compliance").json()}


def test_inspectors_export_and_import_round_trip_in_scope(cast, staff):
    client = api_client(cast.street_officer)
    exported = client.get("/api/v1/hazards/inspectors/export")
    data = exported.getvalue()  # a streamed body is read once
    from django.core.files.uploadedfile import SimpleUploadedFile

    again = client.post("/api/v1/hazards/inspectors/import", {"file": SimpleUploadedFile("i.xlsx", data)})
    assert again.json() == {"ok": True, "created": 0, "updated": 0, "unchanged": 3, "errors": []}
    assert Inspector.objects.count() == 3
    # Inspectors are the street's: a community may not import them, and learns nothing from trying.
    assert api_client(cast.officer_a).post("/api/v1/hazards/inspectors/import", {
        "file": SimpleUploadedFile("i.xlsx", data)}).status_code == 403
