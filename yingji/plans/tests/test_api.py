"""/api/v1/plans/: the same services as the pages, one error shape, out of scope is 404."""

from __future__ import annotations

import pytest

from yingji.core.testing import api_client
from yingji.plans.models import Plan, PlanStatus
from yingji.plans.tests.builders import FIRE, make_plan

pytestmark = pytest.mark.django_db
API = "/api/v1/plans/plans"
CARD = [{"what": "接报核实", "who_kind": "role", "who": "community_staff", "time_limit_minutes": 1},
        {"what": "疏散群众", "who_kind": "team_kind", "who": "community_rescue", "how": "按疏散路线"}]


def test_it_creates_writes_the_card_and_takes_the_plan_through_approval(cast):
    a = api_client(cast.officer_a)
    made = a.post(API, {"jurisdiction": cast.community_a.code, "title": "燃气泄漏现场处置方案", "kind": "on_site",
                        "incident_types": ["21400"], "review_due": "2027-03-01"}, content_type="application/json")
    assert made.status_code == 201, made.content
    plan = made.json()
    assert (plan["level"], plan["version"], plan["status"], plan["steps"]) == ("community", 1, "draft", [])
    url = f"{API}/{plan['id']}"
    card = a.put(f"{url}/steps", CARD, content_type="application/json")
    assert card.status_code == 200 and [s["who_label"] for s in card.json()] == ["社区工作站人员", "社区救援队"]
    assert [s["name"] for s in a.get(f"{url}/actions").json()] == ["submit"]
    assert a.post(f"{url}/actions/submit", {}, content_type="application/json").json()["status"] == "pending"
    refused = a.post(f"{url}/actions/approve", {}, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"]
    street = api_client(cast.street_officer)
    approved = street.post(f"{url}/actions/approve", {"note": "同意"}, content_type="application/json")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    events = a.get(f"{url}/events").json()
    assert [e["transition"] for e in events][-2:] == ["submit", "approve"] and events[-1]["note"] == "同意"
    listed = a.get(API, {"incident_type": "21400"}).json()
    assert listed["count"] == 1 and listed["items"][0]["title"] == "燃气泄漏现场处置方案"
    assert a.get(API, {"incident_type": FIRE}).json()["count"] == 0


def test_bad_input_is_refused_in_chinese_by_field_and_writes_nothing(cast):
    a = api_client(cast.officer_a)
    bad = a.post(API, {"jurisdiction": cast.community_a.code, "title": "", "kind": "special",
                       "incident_types": ["00000"]}, content_type="application/json")
    assert bad.status_code == 422
    fields = {e["field"]: e["message"] for e in bad.json()["errors"]}
    assert set(fields) == {"title", "incident_types"} and "00000" in fields["incident_types"]
    assert not Plan.objects.exists()
    plan = make_plan(cast.officer_a, cast.community_a)
    wrong = a.put(f"{API}/{plan.pk}/steps", [{"what": "出动", "who_kind": "team", "who": "NOPE"}],
                  content_type="application/json")
    assert wrong.status_code == 422 and "NOPE" in wrong.json()["errors"][0]["message"]
    assert plan.steps.count() == 3
    a.post(f"{API}/{plan.pk}/actions/submit", {}, content_type="application/json")
    frozen = a.patch(f"{API}/{plan.pk}", {"title": "新标题"}, content_type="application/json")
    assert frozen.status_code == 422 and frozen.json()["errors"][0]["field"] == "status"
    assert a.post(f"{API}/{plan.pk}/actions/nonsense", {}, content_type="application/json").status_code == 404


def test_another_community_gets_404_everywhere(cast):
    plan = make_plan(cast.officer_a, cast.community_a)
    for user in (cast.officer_b, cast.officer_c):
        c = api_client(user)
        for url in [f"{API}/{plan.pk}", f"{API}/{plan.pk}/steps", f"{API}/{plan.pk}/actions",
                    f"{API}/{plan.pk}/events"]:
            assert c.get(url).status_code == 404, url
        assert c.patch(f"{API}/{plan.pk}", {"title": "x"}, content_type="application/json").status_code == 404
        assert c.put(f"{API}/{plan.pk}/steps", CARD, content_type="application/json").status_code == 404
        assert c.post(f"{API}/{plan.pk}/actions/submit", {}, content_type="application/json").status_code == 404
        assert c.get(API).json()["count"] == 0
        made = c.post(API, {"jurisdiction": cast.community_a.code, "title": "x", "kind": "special"},
                      content_type="application/json")
        assert made.status_code == 404
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT and plan.title == "高层建筑火灾专项预案"
    assert api_client(cast.street_officer).get(API).json()["count"] == 1
