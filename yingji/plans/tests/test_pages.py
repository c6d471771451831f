"""The plan pages: list, detail with the card, the forms, the approval buttons; scope on each."""

from __future__ import annotations

import pytest

from yingji.core.testing import web_client
from yingji.plans.models import Plan, PlanStatus
from yingji.plans.tests.builders import FIRE, make_plan
from yingji.resources.tests.builders import make_team

pytestmark = pytest.mark.django_db


def test_an_officer_writes_a_plan_and_its_card_through_the_forms(cast):
    web = web_client(cast.officer_a)
    team = make_team(cast.community_a, name="南园A社区救援队")
    form = web.get("/plans/new/").content.decode()
    assert "标题" in form and "综合预案" in form and "现场处置方案" in form
    created = web.post("/plans/new/", {"jurisdiction": cast.community_a.pk, "title": "<b>电梯困人</b>处置方案",
                                        "kind": "on_site", "incident_types": ["91200"]})
    assert created.status_code == 302
    plan = Plan.objects.get()
    assert created["Location"] == f"/plans/{plan.pk}/card/"
    card = web.get(f"/plans/{plan.pk}/card/").content.decode()
    assert f"team:{team.code}" in card and "role:community_staff" in card
    rows = {"steps-TOTAL_FORMS": "3", "steps-INITIAL_FORMS": "0",
            "steps-0-what": "安抚被困人员", "steps-0-who": "role:community_staff", "steps-0-time_limit_minutes": "2",
            "steps-1-what": "破门施救", "steps-1-who": f"team:{team.code}", "steps-1-how": "断电后开门",
            "steps-2-what": "", "steps-2-who": ""}
    assert web.post(f"/plans/{plan.pk}/card/", rows).status_code == 302
    page = web.get(f"/plans/{plan.pk}/").content.decode()
    assert "处置卡" in page and "安抚被困人员" in page and "南园A社区救援队" in page and "断电后开门" in page
    assert "&lt;b&gt;电梯困人&lt;/b&gt;" in page and "<b>电梯困人" not in page
    assert "电梯困人" in page and "提交审批" in page


def test_a_bad_form_answers_422_with_the_field_named(cast):
    web = web_client(cast.officer_a)
    answer = web.post("/plans/new/", {"jurisdiction": cast.community_a.pk, "title": "", "kind": "special"})
    assert answer.status_code == 422 and 'data-testid="error-title"' in answer.content.decode()
    plan = make_plan(cast.officer_a, cast.community_a, steps=False)
    rows = {"steps-TOTAL_FORMS": "1", "steps-INITIAL_FORMS": "0", "steps-0-what": "疏散", "steps-0-who": ""}
    answer = web.post(f"/plans/{plan.pk}/card/", rows)
    assert answer.status_code == 422 and not plan.steps.exists()


def test_the_street_approves_from_the_page_and_the_community_cannot(cast):
    plan = make_plan(cast.officer_a, cast.community_a)
    web_a = web_client(cast.officer_a)
    web_a.post(f"/plans/{plan.pk}/step/submit/", {"note": ""})
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PENDING
    assert 'data-testid="action-approve"' not in web_a.get(f"/plans/{plan.pk}/").content.decode()
    assert web_a.post(f"/plans/{plan.pk}/step/approve/").status_code == 403
    street = web_client(cast.street_officer)
    assert 'data-testid="action-approve"' in street.get(f"/plans/{plan.pk}/").content.decode()
    street.post(f"/plans/{plan.pk}/step/approve/", {"note": "同意"})
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED
    listing = web_a.get("/plans/").content.decode()
    assert "已批准" in listing and "专项预案" in listing


def test_another_community_gets_404_on_every_page(cast):
    plan = make_plan(cast.officer_a, cast.community_a, incident_types=[FIRE])
    web = web_client(cast.officer_b)
    for url in [f"/plans/{plan.pk}/", f"/plans/{plan.pk}/edit/", f"/plans/{plan.pk}/card/"]:
        assert web.get(url).status_code == 404, url
    assert web.post(f"/plans/{plan.pk}/step/submit/").status_code == 404
    assert "高层建筑火灾" not in web.get("/plans/").content.decode()
    refused = web.post("/plans/new/", {"jurisdiction": cast.community_a.pk, "title": "x", "kind": "special"})
    assert refused.status_code == 422 and not Plan.objects.exclude(pk=plan.pk).exists()
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT
