"""Web forms of risk points, patrol plans and inspections: created and changed in scope, refused outside it
(404 for a row the user cannot see, 403 for a role that may not), bad input named in Chinese, nothing
changed by a refused form."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from yingji.core.testing import web_client
from yingji.hazards.models import (
    Hazard,
    HazardSource,
    Inspection,
    PatrolPlan,
    PatrolStop,
    RiskGrading,
    RiskPoint,
)
from yingji.hazards.services.inspections import create_inspector
from yingji.hazards.services.patrol import create_plan
from yingji.hazards.tests.builders import jpeg, point

pytestmark = pytest.mark.django_db


def form(**fields):  # type: ignore[no-untyped-def]
    base = {"name": "A社区老旧小区", "category": "old_residential", "grade": "yellow", "lon": "114.011",
            "lat": "22.512", "address": "A路1号", "area": "", "responsible_unit": "A物业",
            "responsible_person": "赵经理", "responsible_phone": "13900001111", "control_measures": "每周巡查",
            "review_date": "2027-06-30", "is_active": "on", "reason": "首次评定"}
    base.update(fields)
    return base


def test_a_community_creates_and_regrades_a_risk_point_in_its_area(cast):
    client = web_client(cast.officer_a)
    page = client.get("/hazards/points/new/")
    assert page.status_code == 200
    offered = page.context["form"].fields["jurisdiction"].queryset
    assert set(offered.values_list("code", flat=True)) == {cast.community_a.code, cast.grid_a1.code}
    answer = client.post("/hazards/points/new/", form(jurisdiction=cast.grid_a1.pk, code="RP-A-9"))
    assert answer.status_code == 302, answer.context["form"].errors
    created = RiskPoint.objects.get(code="RP-A-9")
    assert (created.jurisdiction, created.grade, created.responsible_phone) == (cast.grid_a1, "yellow", "13900001111")
    assert RiskGrading.objects.get(risk_point=created).reason == "首次评定"
    assert answer["Location"] == f"/hazards/points/{created.pk}/"

    edited = client.post(f"/hazards/points/{created.pk}/edit/", form(jurisdiction=cast.grid_a1.pk, grade="red",
                                                                       reason="汛期边坡开裂"))
    assert edited.status_code == 302, edited.context["form"].errors
    created.refresh_from_db()
    assert created.grade == "red"
    assert [(g.grade_from, g.grade_to, g.reason) for g in created.gradings.all()] == [
        ("yellow", "red", "汛期边坡开裂"), ("", "yellow", "首次评定")]
    detail = client.get(f"/hazards/points/{created.pk}/").content.decode()
    assert "汛期边坡开裂" in detail and "13900001111" in detail
    listing = client.get("/hazards/points/?grade=red").content.decode()
    assert "RP-A-9" in listing


def test_risk_point_forms_refuse_bad_input_in_chinese_and_change_nothing(cast):
    client = web_client(cast.officer_a)
    bad = client.post("/hazards/points/new/", form(jurisdiction=cast.community_c.pk, code="RP-X", lon="东经",
                                                   responsible_phone="12345", area='{"type": "Point"}'))
    assert bad.status_code == 422
    errors = bad.context["form"].errors
    assert "选择一个有效的选项" in errors["jurisdiction"][0]  # community C is not offered to community A
    assert "数字" in errors["lon"][0]
    assert not RiskPoint.objects.exists()
    page = bad.content.decode()
    assert 'data-testid="error-lon"' in page
    # The service's own checks come back under their fields.
    service = client.post("/hazards/points/new/", form(jurisdiction=cast.community_a.pk, code="RP-Y",
                                                       responsible_phone="12345", area='{"type": "Point"}'))
    assert service.status_code == 422
    assert set(service.context["form"].errors) == {"responsible_phone", "area"}
    assert "手机号" in service.context["form"].errors["responsible_phone"][0]
    point(cast.community_a, "RP-DUP")
    duplicate = client.post("/hazards/points/new/", form(jurisdiction=cast.community_a.pk, code="RP-DUP"))
    assert "RP-DUP" in duplicate.context["form"].errors["code"][0]
    assert list(RiskPoint.objects.values_list("code", flat=True)) == ["RP-DUP"]
    assert "<script>" not in client.post("/hazards/points/new/", form(
        jurisdiction=cast.community_a.pk, code="<script>x</script>", name="")).content.decode()


def test_risk_point_pages_are_scoped(cast):
    mine = point(cast.community_a, "RP-A", responsible_phone="13900001111")
    theirs = point(cast.community_c, "RP-C", lon=114.06)
    outsider = web_client(cast.officer_c)
    assert outsider.get(f"/hazards/points/{mine.pk}/").status_code == 404
    assert outsider.get(f"/hazards/points/{mine.pk}/edit/").status_code == 404
    assert outsider.post(f"/hazards/points/{mine.pk}/edit/", form(jurisdiction=cast.community_c.pk)).status_code == 404
    assert "RP-A" not in outsider.get("/hazards/points/").content.decode()
    assert "RP-C" not in web_client(cast.officer_a).get("/hazards/points/").content.decode()
    # Roles that see but may not edit: the edit page and the new-point form are refused.
    auditor = web_client(cast.auditor)
    assert auditor.get(f"/hazards/points/{mine.pk}/edit/").status_code == 403
    assert auditor.get("/hazards/points/new/").status_code == 403
    assert auditor.post("/hazards/points/new/", form(jurisdiction=cast.community_a.pk, code="RP-Z")).status_code == 403
    page = auditor.get(f"/hazards/points/{mine.pk}/").content.decode()
    assert "139****1111" in page and "13900001111" not in page  # masked, its history too
    assert web_client(cast.grid_worker_a).get("/hazards/points/new/").status_code == 403
    assert RiskPoint.objects.get(pk=theirs.pk).grade == "yellow"


def test_a_patrol_plan_is_made_and_rerouted_from_its_form(cast):
    first = point(cast.grid_a1, "RP-A-1")
    second = point(cast.community_a, "RP-A-2", lon=114.02)
    point(cast.community_c, "RP-C-1", lon=114.06)
    client = web_client(cast.officer_a)
    page = client.get("/hazards/patrols/new/")
    assert page.status_code == 200
    assert list(page.context["form"].fields["jurisdiction"].queryset) == [cast.grid_a1]
    body = {"jurisdiction": cast.grid_a1.pk, "name": "A1 日常巡查", "worker": cast.grid_worker_a.pk,
            "frequency": "daily", "tolerance_m": "80", "starts_on": str(timezone.localdate()), "is_active": "on",
            "route": "RP-A-2\nRP-A-1"}
    refused = client.post("/hazards/patrols/new/", {**body, "route": "RP-A-1、RP-C-1、RP-NONE", "tolerance_m": "2"})
    assert refused.status_code == 422
    errors = refused.context["form"].errors
    assert "RP-C-1、RP-NONE" in errors["route"][0]  # community C's point is not in community A's area
    assert "tolerance_m" in errors
    assert not PatrolPlan.objects.exists()
    created = client.post("/hazards/patrols/new/", body)
    assert created.status_code == 302, created.context["form"].errors
    plan = PatrolPlan.objects.get()
    assert (plan.worker, plan.tolerance_m, plan.frequency) == (cast.grid_worker_a, 80, "daily")
    assert [s.risk_point.code for s in plan.stops.order_by("order")] == ["RP-A-2", "RP-A-1"]
    listing = client.get("/hazards/patrols/").content.decode()
    assert f"/hazards/patrols/{plan.pk}/edit/" in listing

    edit = client.get(f"/hazards/patrols/{plan.pk}/edit/")
    assert edit.context["form"]["route"].value() == "RP-A-2\nRP-A-1"
    changed = client.post(f"/hazards/patrols/{plan.pk}/edit/", {**body, "route": "RP-A-1", "frequency": "weekly"})
    assert changed.status_code == 302
    plan.refresh_from_db()
    assert plan.frequency == "weekly" and [s.risk_point for s in plan.stops.all()] == [first]
    assert not PatrolStop.objects.filter(risk_point=second).exists()


def test_patrol_plan_forms_are_scoped_and_the_worker_must_be_of_the_grids_community(cast):
    stop = point(cast.grid_a1, "RP-A-1")
    plan = create_plan(actor=cast.officer_a, jurisdiction=cast.grid_a1, name="A1", points=[stop])
    assert web_client(cast.officer_c).get(f"/hazards/patrols/{plan.pk}/edit/").status_code == 404
    assert web_client(cast.officer_c).post(f"/hazards/patrols/{plan.pk}/edit/", {"name": "x"}).status_code == 404
    assert web_client(cast.grid_worker_a).get(f"/hazards/patrols/{plan.pk}/edit/").status_code == 403
    assert web_client(cast.grid_worker_a).get("/hazards/patrols/new/").status_code == 403
    assert f"/hazards/patrols/{plan.pk}/edit/" not in web_client(cast.grid_worker_a).get("/hazards/patrols/").content.decode()
    # The street officer sees both communities' people, but community B's staff do not walk grid A1.
    street = web_client(cast.street_officer)
    answer = street.post(f"/hazards/patrols/{plan.pk}/edit/", {
        "jurisdiction": cast.grid_a1.pk, "name": "A1", "worker": cast.officer_b.pk, "frequency": "daily",
        "tolerance_m": "100", "starts_on": str(timezone.localdate()), "route": "RP-A-1"})
    assert answer.status_code == 422
    assert "社区" in answer.context["form"].errors["worker"][0]
    plan.refresh_from_db()
    assert plan.worker is None


@pytest.fixture
def inspector(cast):  # type: ignore[no-untyped-def]
    return create_inspector(actor=cast.street_officer, jurisdiction=cast.street_1, staff_number="ZF1",
                            name="张执法", certificate_number="粤执001", certificate_issuer="深圳市福田区人民政府",
                            certificate_valid_until=timezone.localdate() + datetime.timedelta(days=300))


def test_an_inspection_form_records_findings_that_open_hazards(cast, inspector):
    point(cast.community_a, "A-SHOP", category="three_small")
    client = web_client(cast.street_officer)
    assert client.get("/hazards/inspections/new/").status_code == 200
    body = {"inspector": inspector.pk, "place": "A社区小餐馆", "risk_point": "A-SHOP",
            "inspected_on": str(timezone.localdate()), "findings": "灭火器过期；店内住人",
            "hazards": "灭火器过期\n\n店内住人\n", "severity": "major", "photos": [jpeg()]}
    answer = client.post("/hazards/inspections/new/", body)
    assert answer.status_code == 302, answer.context["form"].errors
    inspection = Inspection.objects.get()
    assert (inspection.place, inspection.result, inspection.jurisdiction) == ("A社区小餐馆", "hazards", cast.community_a)
    opened = Hazard.objects.filter(inspection=inspection).order_by("title")
    assert [(h.title, h.severity, h.source) for h in opened] == [
        ("店内住人", "major", HazardSource.INSPECTION), ("灭火器过期", "major", HazardSource.INSPECTION)]
    assert "已开立 2 条隐患" in client.get("/hazards/inspections/").content.decode()


def test_inspection_forms_refuse_bad_input_and_other_streets(cast, inspector):
    client = web_client(cast.street_officer)
    today = str(timezone.localdate())
    no_point = client.post("/hazards/inspections/new/", {"inspector": inspector.pk, "place": "某厂",
                                                         "inspected_on": today, "hazards": "消防通道堵塞",
                                                         "severity": "general"})
    assert no_point.status_code == 422 and "risk_point" in no_point.context["form"].errors
    unknown = client.post("/hazards/inspections/new/", {"inspector": inspector.pk, "place": "某厂",
                                                        "severity": "general", "inspected_on": today,
                                                        "risk_point": "NOPE"})
    assert unknown.status_code == 422 and "NOPE" in unknown.context["form"].errors["risk_point"][0]
    later = str(timezone.localdate() + datetime.timedelta(days=2))
    future = client.post("/hazards/inspections/new/", {"inspector": inspector.pk, "place": "某厂",
                                                       "severity": "general", "inspected_on": later})
    assert future.status_code == 422 and "未来" in future.context["form"].errors["inspected_on"][0]
    disguised = SimpleUploadedFile("x.jpg", b"<script>alert(1)</script>", content_type="image/jpeg")
    script = client.post("/hazards/inspections/new/", {"inspector": inspector.pk, "place": "某厂",
                                                       "severity": "general", "inspected_on": today,
                                                       "photos": [disguised]})
    assert script.status_code == 422 and "photos" in script.context["form"].errors
    assert not Inspection.objects.exists() and not Hazard.objects.exists()
    # Street 2's officer… there is none in the cast: community C's staff neither see street 1's inspectors
    # nor may add one.
    other = web_client(cast.officer_c)
    refused = other.post("/hazards/inspections/new/", {"inspector": inspector.pk, "place": "某厂", "inspected_on": today,
                                                       "severity": "general"})
    assert refused.status_code == 422 and "inspector" in refused.context["form"].errors
    assert web_client(cast.grid_worker_a).get("/hazards/inspections/new/").status_code == 403
    assert not Inspection.objects.exists()
