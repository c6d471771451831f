"""Messages into alarms, incidents and hazards (ingest.py, without a broker): validation naming the field,
redelivery stored once, repeats folded, cancels, low readings."""

from __future__ import annotations

import datetime
import json

import pytest
from django.utils import timezone

from yingji.hazards.models import Hazard, HazardSource
from yingji.incidents.models import Channel, Incident
from yingji.iot.ingest import Incoming, ingest
from yingji.iot.models import Alarm, AlarmStatus, Device, DeviceKind, DeviceMessage, DeviceState
from yingji.iot.tests.builders import device
from yingji.messaging.models import Message

pytestmark = pytest.mark.django_db
PREFIX = "test/iot/unit"


def msg(dev: Device, body: dict | bytes | str, topic: str | None = None) -> Incoming:  # type: ignore[type-arg]
    raw = body if isinstance(body, bytes) else (body if isinstance(body, str) else json.dumps(body)).encode()
    return Incoming(topic=topic or f"{PREFIX}/{dev.jurisdiction.code}/{dev.kind}/{dev.code}", payload=raw)


def body(i: int | str, kind: str = "alarm", alarm: str = "entrapment", **extra):  # type: ignore[no-untyped-def]
    data = {"id": str(i), "ts": timezone.now().isoformat(), "type": kind, **extra}
    if kind in ("alarm", "cancel"):
        data["alarm"] = alarm
    return data


def test_an_entrapment_becomes_one_incident_and_repeats_fold_into_its_alarm(cast):
    lift = device(cast.grid_a1, "EL-A-1", lon=114.02, lat=22.51, building="A社区3栋", location="2号梯")
    outcome = ingest([msg(lift, body(1)), msg(lift, body(2)), msg(lift, body(3))], prefix=PREFIX)
    assert outcome.stored == 3 and outcome.alarms_new == 1 and outcome.alarms_folded == 2
    alarm = Alarm.objects.get()
    assert alarm.status == AlarmStatus.RAISED and alarm.repeats == 2
    incident = Incident.objects.get()
    assert alarm.incident == incident
    assert (incident.type_code, incident.channel, incident.jurisdiction) == ("91200", Channel.IOT, cast.grid_a1)
    assert "EL-A-1" in incident.description and "A社区3栋" in incident.address
    # Later repeats within the window fold too; no second incident.
    ingest([msg(lift, body(4))], prefix=PREFIX)
    assert Incident.objects.count() == 1 and Alarm.objects.get().repeats == 3
    lift.refresh_from_db()
    assert lift.state == DeviceState.ALARM and lift.last_seen is not None
    # The officers of A and of the street are told, in Chinese.
    message = Message.objects.get(topic="iot")
    assert message.title.startswith("物联感知告警") and "电梯困人" in message.title
    # After the window, the same alarm is a new event.
    late = body(5, ts=(timezone.now() + datetime.timedelta(minutes=5)).isoformat())
    alarm.last_at = timezone.now() - datetime.timedelta(hours=1)
    alarm.first_at = alarm.last_at
    alarm.save()
    ingest([msg(lift, late)], prefix=PREFIX)
    assert Alarm.objects.count() == 2 and Incident.objects.count() == 2


def test_a_message_redelivered_is_stored_once(cast):
    lift = device(cast.grid_a1, "EL-A-1")
    ingest([msg(lift, body("m-1")), msg(lift, body("m-1"))], prefix=PREFIX)
    outcome = ingest([msg(lift, body("m-1"))], prefix=PREFIX)
    assert outcome.duplicates == 1 and outcome.stored == 0
    assert DeviceMessage.objects.filter(accepted=True).count() == 1 and Incident.objects.count() == 1


@pytest.mark.parametrize("payload,field", [
    (b"\xff\xfe not json", "payload"),
    ("[1, 2]", "payload"),
    ({"ts": 1, "type": "heartbeat"}, "id"),
    ({"id": "a/b", "ts": 1, "type": "heartbeat"}, "id"),
    ({"id": "1", "type": "heartbeat"}, "ts"),
    ({"id": "1", "ts": "2026-12-05T01:00:00", "type": "heartbeat"}, "ts"),
    ({"id": "1", "ts": 4102444800, "type": "heartbeat"}, "ts"),
    ({"id": "1", "ts": "now", "type": "boom"}, "ts"),
    ({"id": "1", "type": "boom"}, "ts"),
    ("TS", "type"),
    ("ALARM", "alarm"),
    ("READING", "value"),
    ("VALUE", "value"),
])
def test_a_bad_payload_is_refused_naming_the_field_and_counted_on_the_device(cast, payload, field):
    lift = device(cast.grid_a1, "EL-A-1")
    now = timezone.now().isoformat()
    payload = {"TS": {"id": "1", "ts": now, "type": "boom"},
               "ALARM": {"id": "1", "ts": now, "type": "alarm", "alarm": "smoke"},
               "READING": {"id": "1", "ts": now, "type": "reading"},
               "VALUE": {"id": "1", "ts": now, "type": "reading", "value": "high"}}.get(payload, payload) \
        if isinstance(payload, str) else payload
    outcome = ingest([msg(lift, payload)], prefix=PREFIX)
    assert outcome.refused == 1 and outcome.stored == 0
    refused = DeviceMessage.objects.get()
    assert not refused.accepted and refused.error_field == field and refused.error
    lift.refresh_from_db()
    assert lift.rejected == 1 and lift.last_seen is None and not Alarm.objects.exists()


def test_topics_that_do_not_match_the_registry_are_refused(cast):
    lift = device(cast.grid_a1, "EL-A-1")
    outcome = ingest([
        msg(lift, body(1), topic=f"{PREFIX}/{cast.community_c.code}/elevator/EL-A-1"),   # another place
        msg(lift, body(2), topic=f"{PREFIX}/{cast.grid_a1.code}/smoke/EL-A-1"),           # another type
        msg(lift, body(3), topic=f"{PREFIX}/{cast.grid_a1.code}/elevator/EL-NOBODY"),     # unknown device
        msg(lift, body(4), topic=f"{PREFIX}/elevator/EL-A-1"),                             # not the layout
    ], prefix=PREFIX)
    assert outcome.refused == 4
    assert sorted(DeviceMessage.objects.values_list("error_field", flat=True)) == ["device", "topic", "topic", "topic"]
    lift.refresh_from_db()
    assert lift.rejected == 2  # the unknown device's and the layout's refusals have no device to count on


def test_a_low_hydrant_reading_opens_one_hazard_and_a_good_one_restores_the_device(cast):
    hydrant = device(cast.grid_a1, "HY-A-1", DeviceKind.HYDRANT, low_threshold=0.15)
    ingest([msg(hydrant, body(1, "reading", value=0.30))], prefix=PREFIX)
    assert not Alarm.objects.exists()
    ingest([msg(hydrant, body(2, "reading", value=0.08)), msg(hydrant, body(3, "reading", value=0.07))],
           prefix=PREFIX)
    hazard = Hazard.objects.get()
    assert hazard.source == HazardSource.IOT and hazard.title == "消火栓水压不足" and hazard.jurisdiction == cast.grid_a1
    assert Alarm.objects.get().hazard == hazard and Alarm.objects.get().repeats == 1
    hydrant.refresh_from_db()
    assert hydrant.state == DeviceState.ALARM and hydrant.last_value == 0.07
    ingest([msg(hydrant, body(4, "reading", value=0.31))], prefix=PREFIX)
    hydrant.refresh_from_db()
    assert hydrant.state == DeviceState.NORMAL


def test_a_blocked_fire_lane_opens_a_hazard_and_a_smoke_alarm_waits_for_confirmation(cast):
    lane = device(cast.grid_a1, "FL-A-1", DeviceKind.FIRE_LANE)
    smoke = device(cast.grid_a1, "SD-A-1", DeviceKind.SMOKE)
    ingest([msg(lane, body(1, alarm="blocked")), msg(smoke, body(1, alarm="smoke"))], prefix=PREFIX)
    assert Hazard.objects.get().title == "消防通道堵塞"
    pending = Alarm.objects.get(device=smoke)
    assert pending.status == AlarmStatus.PENDING and pending.incident is None and not Incident.objects.exists()
    ingest([msg(smoke, body(2, "cancel", alarm="smoke"))], prefix=PREFIX)
    pending.refresh_from_db()
    assert pending.status == AlarmStatus.CANCELLED
    smoke.refresh_from_db()
    assert smoke.state == DeviceState.NORMAL


def test_a_device_out_of_service_is_refused(cast):
    lift = device(cast.grid_a1, "EL-A-1", state=DeviceState.DISABLED)
    outcome = ingest([msg(lift, body(1))], prefix=PREFIX)
    assert outcome.refused == 1 and not Incident.objects.exists()


def test_consoles_hear_of_state_changes_and_new_alarms_in_their_scope(cast, monkeypatch,
                                                                      django_capture_on_commit_callbacks):
    from yingji.core import realtime

    sent = []
    monkeypatch.setattr(realtime, "hand_over", lambda entries: sent.extend(
        (item["topic"], item["path"], item["payload"]) for _groups, item in entries))
    lift = device(cast.grid_a1, "EL-A-1")
    with django_capture_on_commit_callbacks(execute=True):
        ingest([msg(lift, body(1))], prefix=PREFIX)
    iot = [(path, payload) for topic, path, payload in sent if topic == "iot"]
    kinds = {payload["kind"] for _path, payload in iot}
    assert kinds == {"device.state", "alarm.new"}
    assert all(path == cast.grid_a1.path for path, _payload in iot)  # consoles filter on it: C never hears
    assert any(topic == "incidents" for topic, _p, _m in sent)  # the incident console too, through intake


def test_a_payload_with_nul_bytes_is_refused_and_kept_readable(cast):
    lift = device(cast.grid_a1, "EL-A-1")
    outcome = ingest([msg(lift, b'{"id": "1\x00", "ts": 1, "type": "heartbeat"}\x00\x01')], prefix=PREFIX)
    assert outcome.refused == 1
    refused = DeviceMessage.objects.get()
    assert "\x00" not in refused.raw and refused.error_field in ("payload", "id")
