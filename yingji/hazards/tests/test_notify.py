"""Hazard messages go through yingji.messaging: assignment to the responsible person, a failed recheck,
escalation of overdue hazards to the level above, missed patrols; checked in the recipients' in-app
inboxes and at a robot receiver (a real local HTTP server), as they are delivered."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from yingji.accounts.roles import Role
from yingji.core.jobs import Runner, discover
from yingji.core.testing import make_user, web_client
from yingji.hazards.services import loop
from yingji.hazards.services.hazards import report_hazard
from yingji.hazards.services.patrol import create_plan
from yingji.hazards.tests.builders import hazard, jpeg, point
from yingji.messaging import delivery
from yingji.messaging.models import Delivery, Message, RobotTarget
from yingji.messaging.robots import target_index
from yingji.messaging.testing import HttpReceiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver(settings):  # type: ignore[no-untyped-def]
    settings.YINGJI_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    settings.YINGJI_HAZARD_CHANNELS = []  # in-app only: push needs a subscribed phone
    target_index.forget()
    with HttpReceiver() as state:
        yield state
    target_index.forget()


def robots(cast, receiver):  # type: ignore[no-untyped-def]
    """The street's hazards group, community C's group, and a district group that hears only incidents."""
    RobotTarget.objects.create(jurisdiction=cast.street_1, name="南园隐患群", format="wechat_work",
                               url=receiver.url + "/street1", topics=["hazards"])
    RobotTarget.objects.create(jurisdiction=cast.community_c, name="C社区群", format="generic",
                               url=receiver.url + "/c", topics=["hazards"])
    RobotTarget.objects.create(jurisdiction=cast.district, name="区值班群", format="generic",
                               url=receiver.url + "/district", topics=["incidents"])


def run(name: str, now: datetime.datetime) -> dict:
    [outcome] = Runner([discover()[name]]).run_due(now)
    assert outcome.ok, outcome.error
    return outcome.result


def inbox(user) -> str:  # type: ignore[no-untyped-def]
    response = web_client(user).get("/messaging/inbox/")
    assert response.status_code == 200
    return response.content.decode()


def posted(receiver) -> dict[str, list]:  # type: ignore[no-untyped-def]
    found: dict[str, list] = {}
    for item in receiver.received:
        found.setdefault(item.path.split("?")[0], []).append(item)
    return found


def test_assignment_reaches_the_responsible_person_and_the_streets_group_and_a_failed_recheck_returns(
        cast, receiver):
    robots(cast, receiver)
    unit = make_user("unit_a", Role.UNIT_CONTACT, cast.community_a)
    reported = report_hazard(actor=cast.grid_worker_a, source="grid_worker", title="消防通道被占用", lon=114.01,
                             lat=22.51, jurisdiction=cast.grid_a1, severity="general", photos=[jpeg()],
                             reporter_phone="13912345678")
    loop.assign(reported, actor=cast.officer_a, responsible_unit="A小区物业", assignee=unit, severity="major")

    message = Message.objects.get(event="hazard.assigned")
    assert message.subject == reported and message.topic == "hazards"
    assert set(message.deliveries.values_list("channel", "user_id")) == {("in_app", unit.pk), ("robot", None)}
    assert delivery.drain()["sent"] == 2
    assert set(message.deliveries.values_list("status", flat=True)) == {"sent"}
    page = inbox(unit)
    assert "待整改隐患：消防通道被占用" in page
    assert "待整改隐患" not in inbox(cast.officer_c)
    [post] = posted(receiver)["/street1"]  # community C's group and the incidents-only group heard nothing
    assert set(posted(receiver)) == {"/street1"}
    content = post.json["markdown"]["content"]
    assert "消防通道被占用" in content and "A小区物业" in content
    assert "13912345678" not in post.body.decode() and "13912345678" not in message.body

    loop.start(reported, actor=unit)
    loop.submit(reported, actor=unit, rectification="车辆已挪走", photos=[jpeg()])
    loop.recheck(reported, actor=cast.grid_worker_a, passed=False, note="仍有一辆电动车")
    back = Message.objects.get(event="hazard.sent_back")
    assert list(back.deliveries.values_list("user_id", flat=True)) == [unit.pk]
    delivery.drain()
    assert "复查未通过，请重新整改：消防通道被占用" in inbox(unit)


def test_overdue_hazards_are_announced_to_the_level_they_climb_to(cast, receiver, settings):
    settings.YINGJI_HAZARD_ESCALATE_HOURS = 48
    robots(cast, receiver)
    start = timezone.now()
    late = [hazard(cast.grid_a1, title=f"逾期隐患{i}", deadline=start + datetime.timedelta(days=1))
            for i in range(12)]
    hazard(cast.community_c, title="C社区逾期", deadline=start + datetime.timedelta(days=1))
    hazard(cast.community_b, title="未逾期", deadline=start + datetime.timedelta(days=30))

    assert run("hazards.escalate_overdue", start + datetime.timedelta(hours=1))["escalated"] == 0
    assert not Message.objects.exists()
    assert run("hazards.escalate_overdue", start + datetime.timedelta(days=1, minutes=5)) == {
        "escalated": 13, "targets": 2}
    to_s1 = Message.objects.get(event="hazard.escalated", jurisdiction=cast.street_1)
    assert to_s1.title == "12 条逾期隐患已上报至南园街道"
    assert to_s1.payload["count"] == 12 and len(to_s1.payload["references"]) == 10
    assert "还有 2 条" in to_s1.body and late[0].reference in to_s1.body
    # The street officer assigns hazards there; community staff and the district are not told at this level.
    people = set(to_s1.deliveries.filter(channel="in_app").values_list("user_id", flat=True))
    assert people == {cast.street_officer.pk}
    to_s2 = Message.objects.get(event="hazard.escalated", jurisdiction=cast.street_2)
    assert not to_s2.deliveries.filter(channel="in_app").exists()  # street 2 has no officer in the cast
    delivery.drain()
    assert "12 条逾期隐患已上报至南园街道" in inbox(cast.street_officer)
    assert set(posted(receiver)) == {"/street1"}  # community C's group does not hear of street 2's climb
    assert "逾期隐患" in posted(receiver)["/street1"][0].json["markdown"]["content"]

    # Still overdue 48 hours later: the district hears, once.
    run("hazards.escalate_overdue", start + datetime.timedelta(days=3, minutes=10))
    to_district = Message.objects.get(event="hazard.escalated", jurisdiction=cast.district)
    assert set(to_district.deliveries.filter(channel="in_app").values_list("user_id", flat=True)) == {
        cast.commander.pk}
    run("hazards.escalate_overdue", start + datetime.timedelta(days=20))
    assert Message.objects.filter(event="hazard.escalated").count() == 3


def test_a_missed_patrol_is_told_to_its_grid_worker_once_and_a_plan_without_one_to_the_community(cast, receiver):
    robots(cast, receiver)
    today = timezone.localdate()
    stop = point(cast.community_a, "RP-A-1", lon=114.01, lat=22.51)
    create_plan(actor=cast.officer_a, jurisdiction=cast.grid_a1, name="A1 日常巡查", points=[stop],
                frequency="daily", starts_on=today - datetime.timedelta(days=2), worker=cast.grid_worker_a)
    create_plan(actor=cast.officer_a, jurisdiction=cast.grid_a1, name="A1 夜间巡查", points=[stop],
                frequency="daily", starts_on=today - datetime.timedelta(days=1))
    now = timezone.now()

    assert run("hazards.remind_missed_patrols", now) == {"missed": 3, "reminded": 3}
    mine = Message.objects.filter(event="patrol.missed", title="漏巡提醒：A1 日常巡查")
    assert sorted(m.payload["period_start"] for m in mine) == [
        (today - datetime.timedelta(days=d)).isoformat() for d in (2, 1)]
    assert set(Delivery.objects.filter(message__in=mine, channel="in_app").values_list("user_id", flat=True)) == {
        cast.grid_worker_a.pk}
    orphan = Message.objects.get(event="patrol.missed", title="漏巡提醒：A1 夜间巡查")
    assert set(orphan.deliveries.filter(channel="in_app").values_list("user_id", flat=True)) == {cast.officer_a.pk}
    delivery.drain()
    assert "漏巡提醒：A1 日常巡查" in inbox(cast.grid_worker_a)
    assert len(posted(receiver)["/street1"]) == 3

    # The next hourly run tells nobody again.
    assert run("hazards.remind_missed_patrols", now + datetime.timedelta(hours=1)) == {"missed": 3, "reminded": 0}
    assert Message.objects.filter(event="patrol.missed").count() == 3
