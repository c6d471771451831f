"""What duty tells people and robot groups, through messaging: the officer on duty assigned to a new
incident, an overdue first report, and the daily duty message to the groups — on a clock."""

from __future__ import annotations

import datetime

import pytest

from yingji.core.jobs import JOBS, Runner
from yingji.duty import jobs
from yingji.duty.models import IncidentAssignment, IncidentReport
from yingji.duty.services import alerts, upward
from yingji.duty.tests.builders import local, make_shift, staff_of_a
from yingji.duty.workflows import INCIDENT_REPORT
from yingji.incidents.tests.builders import fire_in_a
from yingji.messaging.delivery import drain
from yingji.messaging.models import Delivery, Message, RobotTarget
from yingji.messaging.robots import target_index
from yingji.messaging.testing import HttpReceiver
from yingji.workflows.machine import escalate_overdue

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_index():  # type: ignore[no-untyped-def]
    target_index.forget()
    yield
    target_index.forget()


@pytest.fixture
def receiver(settings):  # type: ignore[no-untyped-def]
    settings.YINGJI_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    with HttpReceiver() as state:
        yield state


def robot(where, name, url, topics=("duty",), format="wechat_work"):  # type: ignore[no-untyped-def]
    return RobotTarget.objects.create(jurisdiction=where, name=name, format=format, url=url, topics=list(topics))


def inbox(message: Message) -> set[str]:
    return {d.user.username for d in Delivery.objects.filter(message=message, channel="in_app").select_related("user")}


@pytest.fixture
def day_on_duty(cast):  # type: ignore[no-untyped-def]
    """2026-11-20: the street's day shift (the street officer leads, community A's officer with them),
    the district's day shift (the commander), and a fire in A at 10:00."""
    make_shift(cast.street_1, local(2026, 11, 20, 8), local(2026, 11, 20, 20), cast.street_officer, [cast.officer_a])
    make_shift(cast.district, local(2026, 11, 20, 8), local(2026, 11, 20, 20), cast.commander, label="区白班")
    return cast


def test_the_officer_assigned_to_a_new_incident_and_their_shift_are_alerted_once(day_on_duty, settings):
    cast = day_on_duty
    settings.YINGJI_DUTY_ALERT_CHANNELS = ["push", "sms"]
    fire = fire_in_a(cast, received_at=local(2026, 11, 20, 10))
    done = upward.sweep(local(2026, 11, 20, 10, 0, 8))
    assert done["assigned"] == 1 and done["alerted"] == 1
    message = Message.objects.get(topic="duty", event="duty.incident_assigned")
    assert message.subject == fire and message.jurisdiction == cast.street_1 and message.ask_ack
    assert inbox(message) == {"street_officer", "officer_a"}
    assert "南园街道" in message.body and "10:30" in message.body  # the first report's deadline, Beijing time
    # The SMS goes to the phones in their accounts; no robot hears a personal alert.
    assert set(Delivery.objects.filter(message=message, channel="sms").values_list("address", flat=True)) == \
        {cast.street_officer.phone, cast.officer_a.phone}
    assert not Delivery.objects.filter(message=message, channel="robot").exists()
    assert IncidentAssignment.objects.get(incident=fire).alerted_at == local(2026, 11, 20, 10, 0, 8)
    assert upward.sweep(local(2026, 11, 20, 10, 0, 18))["alerted"] == 0
    assert Message.objects.filter(topic="duty").count() == 1


def test_a_street_with_nobody_on_duty_is_reported_to_the_district_s_people_on_duty(cast):
    make_shift(cast.district, local(2026, 11, 20, 8), local(2026, 11, 20, 20), cast.commander, label="区白班")
    fire_in_a(cast, received_at=local(2026, 11, 20, 10))
    upward.sweep(local(2026, 11, 20, 10, 0, 8))
    message = Message.objects.get(topic="duty")
    assert message.event == "duty.nobody_on_duty" and inbox(message) == {"commander"}
    assert "南园街道" in message.title


def test_an_overdue_first_report_reaches_the_street_and_district_on_duty_and_the_duty_groups(day_on_duty, receiver):
    cast = day_on_duty
    robot(cast.district, "区值班群", receiver.url + "/district")
    robot(cast.street_2, "园岭街道值班群", receiver.url + "/other")  # another street's group does not hear it
    fire = fire_in_a(cast, received_at=local(2026, 11, 20, 10))
    upward.sweep(local(2026, 11, 20, 10, 0, 8))
    assert escalate_overdue(local(2026, 11, 20, 10, 29), [INCIDENT_REPORT]) == 0
    assert not Message.objects.filter(event="duty.first_report_overdue").exists()
    assert escalate_overdue(local(2026, 11, 20, 10, 31), [INCIDENT_REPORT]) == 1
    message = Message.objects.get(event="duty.first_report_overdue")
    assert message.subject == IncidentReport.objects.get(incident=fire)
    assert inbox(message) == {"street_officer", "officer_a", "commander"}
    drain(now=local(2026, 11, 20, 10, 31))
    assert [r.path for r in receiver.received] == ["/district"]
    assert "首报" in receiver.received[0].json["markdown"]["content"]
    assert escalate_overdue(local(2026, 11, 20, 11), [INCIDENT_REPORT]) == 0  # once
    assert Message.objects.filter(event="duty.first_report_overdue").count() == 1


@pytest.fixture
def duty_today(cast):  # type: ignore[no-untyped-def]
    """2026-11-20 on the rosters of the district, street S1 and community A (B and S2's C have none)."""
    one, two, _three = staff_of_a(cast)
    make_shift(cast.district, local(2026, 11, 20, 8), local(2026, 11, 21, 8), cast.commander, [cast.auditor],
               label="全天")
    make_shift(cast.street_1, local(2026, 11, 20, 8), local(2026, 11, 20, 20), cast.street_officer, label="白班")
    make_shift(cast.street_1, local(2026, 11, 20, 20), local(2026, 11, 21, 8), cast.commander, label="夜班")
    make_shift(cast.community_a, local(2026, 11, 20, 8), local(2026, 11, 20, 20), one, [two], label="白班")
    make_shift(cast.community_a, local(2026, 11, 19, 20), local(2026, 11, 20, 8), two, label="夜班")  # yesterday's
    return cast


def test_the_daily_duty_message_tells_each_group_who_is_on_duty_today_once_a_day(duty_today, receiver, settings):
    cast = duty_today
    settings.YINGJI_DUTY_DAILY_MESSAGE_AT = "08:30"
    robot(cast.district, "区应急值班群", receiver.url + "/district")
    robot(cast.street_1, "南园街道值班群", receiver.url + "/street", format="dingtalk")
    robot(cast.community_c, "C社区群", receiver.url + "/c", topics=("incidents",))  # not subscribed to duty
    runner = Runner([JOBS["duty.daily_message"]])
    runner.run_due(local(2026, 11, 20, 8, 29))
    assert not Message.objects.filter(event="duty.daily").exists()  # not before 08:30
    runner.run_due(local(2026, 11, 20, 8, 31))
    district = Message.objects.get(event="duty.daily", jurisdiction=cast.district)
    street = Message.objects.get(event="duty.daily", jurisdiction=cast.street_1)
    assert district.title == "今日值班（11月20日）：福田区"
    lines = district.body.splitlines()
    assert lines[0] == "▶ 【福田区】全天 08:00–08:00 commander（auditor）"
    assert lines[1] == "【南园街道】白班 08:00–20:00 street_officer；夜班 20:00–08:00 commander"
    assert lines[2] == "【园岭街道】今日未排班"
    assert "下级：3个值班机构中1个今日已排班" in lines[3] and lines[4] == "今日未排班：B社区、C社区"
    street_lines = street.body.splitlines()
    assert street_lines[:2] == ["【福田区】全天 08:00–08:00 commander（auditor）",
                                "▶ 【南园街道】白班 08:00–20:00 street_officer；夜班 20:00–08:00 commander"]
    assert street_lines[2] == "【A社区】白班 08:00–20:00 A值班员1（A值班员2）"  # not yesterday's night shift
    assert street_lines[3] == "【B社区】今日未排班"
    assert "1380000" not in district.body + street.body  # names only: no phone leaves for a chat group
    drain(now=local(2026, 11, 20, 8, 31))
    assert sorted(r.path.split("?")[0] for r in receiver.received) == ["/district", "/street"]  # each its own
    # Once a day, also when the job runs again, then the next day again.
    runner.run_due(local(2026, 11, 20, 9, 0))
    assert alerts.send_daily_messages(local(2026, 11, 20, 23, 59)) == {"daily_messages": 0}
    assert Message.objects.filter(event="duty.daily").count() == 2
    assert alerts.send_daily_messages(local(2026, 11, 21, 8, 30)) == {"daily_messages": 2}
    assert "【南园街道】今日未排班" in Message.objects.filter(event="duty.daily", jurisdiction=cast.street_1) \
        .latest("created_at").body


def test_the_daily_message_is_off_without_a_time_and_fits_a_robot_message(duty_today, receiver, settings):
    cast = duty_today
    robot(cast.district, "区应急值班群", receiver.url + "/district")
    settings.YINGJI_DUTY_DAILY_MESSAGE_AT = ""
    assert alerts.send_daily_messages(local(2026, 11, 20, 12)) == {"daily_messages": 0}
    long = "\n".join(f"【第{i}社区】白班 08:00–20:00 值班员{i}" for i in range(400))
    fitted = alerts._fit(long, "……")
    assert len(fitted.encode()) <= alerts.ROBOT_BYTES and fitted.endswith("……")
    assert fitted.splitlines()[0] == "【第0社区】白班 08:00–20:00 值班员0"


def test_alert_settings_refuse_unknown_channels_and_times():
    import subprocess
    import sys

    for name, value in (("YINGJI_DUTY_ALERT_CHANNELS", "push,fax"), ("YINGJI_DUTY_DAILY_MESSAGE_AT", "8点")):
        answer = subprocess.run([sys.executable, "-c", "import django, os; "
                                 "os.environ['DJANGO_SETTINGS_MODULE']='yingji.settings'; django.setup()"],
                                env={**__import__("os").environ, name: value}, capture_output=True, text=True)
        assert answer.returncode != 0 and name in answer.stderr


def test_the_job_is_declared_every_minute():
    assert JOBS["duty.daily_message"].func is jobs.daily_message
    assert JOBS["duty.daily_message"].every == datetime.timedelta(minutes=1)
