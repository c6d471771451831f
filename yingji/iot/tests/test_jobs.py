"""The jobs: a smoke alarm becomes an incident after its confirmation window; silent devices are reported once."""

from __future__ import annotations

import datetime
import json

import pytest
from django.utils import timezone

from yingji.incidents.models import Incident
from yingji.iot.ingest import Incoming, ingest
from yingji.iot.jobs import confirm_alarms, report_silent
from yingji.iot.models import Alarm, AlarmStatus, DeviceKind, DeviceState
from yingji.iot.tests.builders import device
from yingji.messaging.models import Message

pytestmark = pytest.mark.django_db
PREFIX = "test/iot/jobs"


def send(dev, data):  # type: ignore[no-untyped-def]
    topic = f"{PREFIX}/{dev.jurisdiction.code}/{dev.kind}/{dev.code}"
    return ingest([Incoming(topic=topic, payload=json.dumps(data).encode())], prefix=PREFIX)


def test_a_smoke_alarm_not_cancelled_within_its_window_becomes_a_fire_incident(cast):
    smoke = device(cast.grid_a1, "SD-A-1", DeviceKind.SMOKE, lon=114.02, lat=22.51)
    other = device(cast.grid_a1, "SD-A-2", DeviceKind.SMOKE, lon=114.021, lat=22.511)
    now = timezone.now()
    send(smoke, {"id": "1", "ts": now.isoformat(), "type": "alarm", "alarm": "smoke"})
    send(other, {"id": "1", "ts": now.isoformat(), "type": "alarm", "alarm": "smoke"})
    send(other, {"id": "2", "ts": now.isoformat(), "type": "cancel", "alarm": "smoke"})
    assert confirm_alarms(now + datetime.timedelta(seconds=30)) == {"confirmed": 0}
    assert confirm_alarms(now + datetime.timedelta(seconds=61)) == {"confirmed": 1}
    incident = Incident.objects.get()
    assert incident.type_code == "21100" and Alarm.objects.get(device=smoke).incident == incident
    assert Alarm.objects.get(device=other).status == AlarmStatus.CANCELLED
    assert confirm_alarms(now + datetime.timedelta(seconds=120)) == {"confirmed": 0}


def test_a_device_silent_longer_than_its_heartbeat_is_reported_once(cast):
    lift = device(cast.grid_a1, "EL-A-1", heartbeat_s=300)
    quiet = device(cast.community_c, "EL-C-1", heartbeat_s=300, lon=114.06, lat=22.52)
    now = timezone.now()
    send(lift, {"id": "1", "ts": now.isoformat(), "type": "heartbeat"})
    send(quiet, {"id": "1", "ts": now.isoformat(), "type": "heartbeat"})
    assert report_silent(now + datetime.timedelta(seconds=200)) == {"silent": 0}
    send(quiet, {"id": "2", "ts": now.isoformat(), "type": "heartbeat"})  # C's device keeps talking
    from yingji.iot.models import Device

    Device.objects.filter(pk=quiet.pk).update(silent_after=now + datetime.timedelta(hours=1))
    assert report_silent(now + datetime.timedelta(seconds=400)) == {"silent": 1}
    lift.refresh_from_db()
    assert lift.state == DeviceState.SILENT and lift.silent_since is not None
    message = Message.objects.get(event="iot.silent")
    assert "EL-A-1" in message.body and "A社区第1网格" in message.title
    assert report_silent(now + datetime.timedelta(seconds=500)) == {"silent": 0}  # once
    # It speaks again: back to normal.
    send(lift, {"id": "2", "ts": now.isoformat(), "type": "heartbeat"})
    lift.refresh_from_db()
    assert lift.state == DeviceState.NORMAL and lift.silent_since is None
