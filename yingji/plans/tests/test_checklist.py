"""The card becomes the incident's checklist: matched at intake, ticked with time and person on the timeline."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from yingji.accounts.models import User
from yingji.core.testing import api_client, web_client
from yingji.incidents.models import EventKind, IncidentEvent
from yingji.incidents.services.ranking import team_index
from yingji.incidents.tests.builders import fire_in_a
from yingji.jurisdictions import locate
from yingji.messaging.robots import target_index
from yingji.plans import checklists, services
from yingji.plans.models import ChecklistItem
from yingji.plans.tests.builders import FIRE, make_plan, rescue_member, second_commander

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_indexes(settings):  # type: ignore[no-untyped-def]
    # As incidents' own tests: straight-line travel times, per-process indexes fresh.
    settings.YINGJI_ROAD_NETWORK = ""
    team_index.reset()
    target_index.forget()
    locate._index = None
    yield
    team_index.reset()


STATION_TEAM = "服务站队伍"


def approved(actor, jurisdiction, **fields):  # type: ignore[no-untyped-def]
    """A plan with the fire card, submitted by `actor` and approved by the district (another officer)."""
    plan = make_plan(actor, jurisdiction, **fields)
    services.submit(plan, actor=actor)
    approver = second_commander() if actor.username == "commander" else User.objects.get(username="commander")
    services.approve(plan, actor=approver)
    plan.refresh_from_db()
    return plan


def test_a_fire_in_a_gets_the_communitys_approved_card_as_its_checklist(cast):
    approved(cast.commander, cast.district, title="区火灾专项预案")
    community = approved(cast.officer_a, cast.community_a)
    make_plan(cast.officer_a, cast.community_a, title="草稿不算")  # a draft is not used
    incident = fire_in_a(cast)
    items = list(ChecklistItem.objects.filter(incident=incident).order_by("order"))
    assert [(i.plan_id, i.order, i.who) for i in items] == [
        (community.pk, 1, "社区工作站人员"), (community.pk, 2, "社区救援队"), (community.pk, 3, STATION_TEAM)]
    assert items[0].due_at == incident.received_at + datetime.timedelta(minutes=1)
    assert items[2].due_at == incident.received_at + datetime.timedelta(minutes=5)


def test_the_street_plan_serves_when_the_community_has_none_and_other_types_get_nothing(cast):
    street = approved(cast.street_officer, cast.street_1)
    incident = fire_in_a(cast)
    assert set(ChecklistItem.objects.filter(incident=incident).values_list("plan", flat=True)) == {street.pk}
    flood = fire_in_a(cast, type_code="11200", description="地下车库进水")
    assert not ChecklistItem.objects.filter(incident=flood).exists()
    assert checklists.matching_plan(FIRE, cast.community_c.path) is None  # the other street's


def test_ticking_records_time_and_person_on_the_timeline_once(cast):
    approved(cast.officer_a, cast.community_a)
    incident = fire_in_a(cast)
    first = ChecklistItem.objects.get(incident=incident, order=1)
    done = checklists.tick(first, actor=cast.officer_a)
    assert done.done_by == cast.officer_a and done.done_at is not None
    note = IncidentEvent.objects.get(incident=incident, kind=EventKind.NOTE)
    assert note.data["checklist_item"] == first.pk and note.actor == cast.officer_a and "接报核实" in note.text
    with pytest.raises(ValidationError):
        checklists.tick(first, actor=cast.officer_a)
    second = ChecklistItem.objects.get(incident=incident, order=2)
    with pytest.raises(Http404):
        checklists.tick(second, actor=cast.officer_c)
    with pytest.raises(PermissionDenied):
        checklists.tick(second, actor=cast.expert)
    assert ChecklistItem.objects.get(pk=second.pk).done_at is None


def test_the_incident_page_shows_the_checklist_and_ticks_it(cast):
    approved(cast.officer_a, cast.community_a)
    rescue_member(cast.officer_a, cast.community_a)
    incident = fire_in_a(cast)
    web = web_client(cast.officer_a)
    page = web.get(f"/incidents/{incident.pk}/").content.decode()
    assert 'data-testid="plan-checklist"' in page and 'data-testid="tick-2"' in page
    item = ChecklistItem.objects.get(incident=incident, order=2)
    assert web.post(f"/plans/checklist/{item.pk}/tick/").status_code == 302
    page = web.get(f"/incidents/{incident.pk}/").content.decode()
    assert 'data-testid="ticked-2"' in page and "处置卡第 2 步已完成" in page
    assert web_client(cast.officer_c).post(f"/plans/checklist/{item.pk}/tick/").status_code == 404


def test_the_checklist_api_and_its_scope(cast):
    approved(cast.officer_a, cast.community_a)
    incident = fire_in_a(cast)
    url = f"/api/v1/plans/incidents/{incident.pk}/checklist"
    a = api_client(cast.officer_a)
    items = a.get(url).json()
    assert [i["order"] for i in items] == [1, 2, 3] and items[0]["done_at"] is None
    ticked = a.post(f"{url}/{items[0]['id']}/tick")
    assert ticked.status_code == 200 and ticked.json()["done_by"] == str(cast.officer_a)
    again = a.post(f"{url}/{items[0]['id']}/tick")
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "done_at"
    c = api_client(cast.officer_c)
    assert c.get(url).status_code == 404
    assert c.post(f"{url}/{items[1]['id']}/tick").status_code == 404


def test_a_batch_of_calls_written_with_bulk_create_gets_its_checklists_too(cast):
    from yingji.incidents.services.intake import report_incidents
    from yingji.incidents.tests.builders import A_POINT

    community = approved(cast.officer_a, cast.community_a)
    calls = [{"type_code": FIRE, "channel": "119", "lon": A_POINT[0], "lat": A_POINT[1], "address": f"A社区{n}栋",
              "idempotency_key": f"batch-{n}"} for n in range(3)]
    calls.append({"type_code": "11200", "channel": "119", "lon": A_POINT[0], "lat": A_POINT[1], "address": "车库"})
    results = report_incidents(actor=cast.officer_a, calls=calls)
    assert all(r.created for r in results)
    for result in results[:3]:
        items = ChecklistItem.objects.filter(incident=result.incident).order_by("order")
        assert [(i.plan_id, i.order) for i in items] == [(community.pk, 1), (community.pk, 2), (community.pk, 3)]
    assert not ChecklistItem.objects.filter(incident=results[3].incident).exists()


def test_only_the_people_the_step_names_tick_it(cast):
    approved(cast.officer_a, cast.community_a)
    incident = fire_in_a(cast)
    first, second, third = ChecklistItem.objects.filter(incident=incident).order_by("order")
    # Step 2 is the community rescue team's: community staff who are not in one are told whose it is.
    with pytest.raises(PermissionDenied) as refused:
        checklists.tick(second, actor=cast.officer_a)
    assert "社区救援队" in str(refused.value)
    # Step 1 is community staff's: a responder working the incident may not tick it.
    with pytest.raises(PermissionDenied):
        checklists.tick(first, actor=cast.responder_a)
    rescue_member(cast.responder_a, cast.community_a)
    assert checklists.tick(second, actor=cast.responder_a).done_by == cast.responder_a
    rescue_member(cast.officer_a, cast.community_a, kind="community_rescue")
    with pytest.raises(PermissionDenied):  # step 3: a station team's
        checklists.tick(third, actor=cast.officer_a)
    assert ChecklistItem.objects.get(pk=third.pk).done_at is None
    # The API answers the refusal in the one error shape, 403.
    answer = api_client(cast.officer_a).post(f"/api/v1/plans/incidents/{incident.pk}/checklist/{third.pk}/tick")
    assert answer.status_code == 403 and "服务站队伍" in answer.json()["detail"]
    page = web_client(cast.officer_a).get(f"/incidents/{incident.pk}/").content.decode()
    assert 'data-testid="tick-1"' in page and 'data-testid="tick-3"' not in page
