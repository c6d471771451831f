"""Recording drills, follow-ups that open hazards, the API, pages and export, and scope everywhere."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from yingji.core.testing import api_client, web_client
from yingji.drills import services
from yingji.drills.models import Drill, FollowUp
from yingji.drills.tests.builders import district_rules, drill
from yingji.hazards.models import Hazard
from yingji.resources.tests.builders import make_member, make_team

pytestmark = pytest.mark.django_db
D = datetime.date


def test_a_drill_records_plan_type_people_and_is_refused_with_named_fields(cast):
    team = make_team(cast.community_a)
    member = make_member(team)
    held = drill(cast.officer_a, cast.community_a, D(2026, 5, 12), scope="special", key_field="fire",
                 drill_type="tabletop", teams=[team.code], members=[member.pk], findings="疏散通道堵塞")
    assert (held.drill_type, held.participants, list(held.teams.all()), list(held.members.all())) == (
        "tabletop", 1, [team], [member])
    with pytest.raises(ValidationError) as refused:
        services.record_drill(actor=cast.officer_a, jurisdiction=cast.community_a, title="", drill_type="x",
                              scope="special", key_field="", held_on=None, duration_minutes=0)
    assert set(refused.value.message_dict) == {"title", "drill_type", "key_field", "held_on", "duration_minutes"}
    other_team = make_team(cast.community_c)
    with pytest.raises(ValidationError) as refused:
        drill(cast.officer_a, cast.community_a, D(2026, 5, 12), teams=[other_team.code])
    assert other_team.code in refused.value.message_dict["teams"][0]
    with pytest.raises(PermissionDenied):  # the service refuses; the API finds no such place (404, below)
        drill(cast.officer_a, cast.community_c, D(2026, 5, 12))
    with pytest.raises(PermissionDenied):
        drill(cast.responder_a, cast.community_a, D(2026, 5, 12))
    assert Drill.objects.count() == 1


def test_a_follow_up_opens_a_hazard_through_the_hazards_service_once(cast):
    held = drill(cast.officer_a, cast.community_a, D(2026, 5, 12))
    item = services.add_follow_up(held, actor=cast.officer_a, text="3号楼消防通道被占用", responsible="物业",
                                  due_on=D(2026, 6, 1))
    hazard = services.open_hazard(item, actor=cast.officer_a)
    assert isinstance(hazard, Hazard) and hazard.jurisdiction == cast.community_a
    assert hazard.status == "reported" and hazard.title == "3号楼消防通道被占用" and "演练" in hazard.description
    assert services.open_hazard(item, actor=cast.officer_a) == hazard  # once
    assert Hazard.objects.count() == 1 and FollowUp.objects.get(pk=item.pk).hazard == hazard
    with pytest.raises(ValidationError):
        services.add_follow_up(held, actor=cast.officer_a, text="x", due_on=D(2026, 1, 1))
    other = services.add_follow_up(held, actor=cast.officer_a, text="补充应急照明")
    with pytest.raises(Http404):
        services.open_hazard(other, actor=cast.officer_c)
    assert Hazard.objects.count() == 1


def test_the_api_records_lists_and_answers_another_community_404(cast):
    a = api_client(cast.officer_a)
    body = {"jurisdiction": cast.community_a.code, "title": "社区综合演练", "drill_type": "full_scale",
            "scope": "comprehensive", "held_on": "2026-05-12", "duration_minutes": 120, "participants": 35}
    created = a.post("/api/v1/drills/drills", body, content_type="application/json")
    assert created.status_code == 201, created.content
    drill_id = created.json()["id"]
    bad = a.post("/api/v1/drills/drills", {**body, "scope": "special", "duration_minutes": 0},
                 content_type="application/json")
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} >= {"key_field", "duration_minutes"}
    follow = a.post(f"/api/v1/drills/drills/{drill_id}/follow-ups", {"text": "灭火器过期"},
                    content_type="application/json")
    assert follow.status_code == 201
    opened = a.post(f"/api/v1/drills/follow-ups/{follow.json()['id']}/hazard", {}, content_type="application/json")
    assert opened.status_code == 201 and opened.json()["hazard_reference"]
    assert [d["id"] for d in a.get("/api/v1/drills/drills?year=2026").json()["items"]] == [drill_id]
    c = api_client(cast.officer_c)
    assert c.get(f"/api/v1/drills/drills/{drill_id}").status_code == 404
    assert c.get("/api/v1/drills/drills?year=2026").json()["items"] == []
    assert c.patch(f"/api/v1/drills/drills/{drill_id}", {"title": "x"}, content_type="application/json"
                   ).status_code == 404
    assert c.post(f"/api/v1/drills/drills/{drill_id}/follow-ups", {"text": "x"},
                  content_type="application/json").status_code == 404
    assert c.post(f"/api/v1/drills/follow-ups/{follow.json()['id']}/hazard", {},
                  content_type="application/json").status_code == 404
    assert c.post("/api/v1/drills/drills", body, content_type="application/json").status_code == 404
    assert api_client(cast.responder_a).post("/api/v1/drills/drills", body,
                                             content_type="application/json").status_code == 403


def test_compliance_api_page_and_excel_are_scoped(cast):
    district_rules(cast)
    drill(cast.officer_a, cast.community_a, D(2026, 5, 12))
    whole = api_client(cast.commander).get("/api/v1/drills/compliance?year=2026").json()
    codes = [r["jurisdiction"] for r in whole["rows"]]
    assert codes == [cast.street_1.code, cast.community_a.code, cast.community_b.code, cast.street_2.code,
                     cast.community_c.code]
    a_row = next(r for r in whole["rows"] if r["jurisdiction"] == cast.community_a.code)
    assert (a_row["held"], a_row["required"], a_row["due"]) == (1, 1, 0)
    mine = api_client(cast.officer_c).get("/api/v1/drills/compliance?year=2026").json()
    assert [r["jurisdiction"] for r in mine["rows"]] == [cast.community_c.code]
    assert api_client(cast.officer_c).get(f"/api/v1/drills/compliance?area={cast.community_a.code}"
                                          ).status_code == 404
    assert api_client(cast.officer_c).get("/api/v1/drills/compliance?year=99999").status_code == 422
    sheet = openpyxl.load_workbook(io.BytesIO(
        api_client(cast.street_officer).get("/api/v1/drills/compliance.xlsx?year=2026").content)).active
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert cells[0][:4] == ["街道", "辖区", "代码", "要求"]
    assert {r[1] for r in cells[1:]} == {"南园街道", "A社区", "B社区"}  # not the other street's
    page = web_client(cast.street_officer).get("/drills/compliance/?year=2026").content.decode()
    assert 'data-testid="compliance"' in page and "A社区" in page and "C社区" not in page
    assert web_client(cast.officer_c).get("/drills/compliance/?area=" + cast.community_a.code).status_code == 404


def test_pages_list_record_and_refuse_another_community(cast):
    web = web_client(cast.officer_a)
    assert web.get("/drills/").status_code == 200
    form = web.get("/drills/new/")
    assert form.status_code == 200 and "桌面推演" in form.content.decode()
    posted = web.post("/drills/new/", {"jurisdiction": cast.community_a.pk, "title": "电梯困人演练",
                                       "drill_type": "functional", "scope": "special", "key_field": "elevator",
                                       "held_on": "2026-05-12", "duration_minutes": 45})
    assert posted.status_code == 302, posted.content.decode()[:2000]
    held = Drill.objects.get()
    assert web.get(f"/drills/{held.pk}/").status_code == 200
    refused = web.post("/drills/new/", {"jurisdiction": cast.community_a.pk, "title": "x", "drill_type": "functional",
                                        "scope": "special", "held_on": "2026-05-12", "duration_minutes": 45})
    assert refused.status_code == 422 and 'data-testid="error-key_field"' in refused.content.decode()
    assert web_client(cast.officer_c).get(f"/drills/{held.pk}/").status_code == 404
    assert web_client(cast.officer_c).post(f"/drills/{held.pk}/", {"text": "x"}).status_code == 404
