"""The listener against the machine's Mosquitto (127.0.0.1:1883): publish → incident; a restart of the
listener mid-stream loses and doubles nothing (QoS 1, persistent session, ack after commit); bad payloads
are counted and the listener goes on."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator

import paho.mqtt.client as mqtt
import pytest
from django.db import OperationalError
from django.utils import timezone

from yingji.incidents.models import Incident
from yingji.iot.listener import Listener, broker_reachable
from yingji.iot.models import Alarm, DeviceKind, DeviceMessage
from yingji.iot.tests.builders import device

pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(not broker_reachable("127.0.0.1", 1883), reason="no MQTT broker on 127.0.0.1:1883")]


@pytest.fixture
def prefix() -> str:
    return f"test/iot/{uuid.uuid4().hex[:10]}"


@pytest.fixture
def client_id() -> Iterator[str]:
    name = f"test-iot-{uuid.uuid4().hex[:10]}"
    yield name
    # Drop the persistent session the test left on the shared broker.
    cleaner = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=name, clean_session=True)
    cleaner.connect("127.0.0.1", 1883)
    cleaner.loop_start()
    time.sleep(0.2)
    cleaner.disconnect()
    cleaner.loop_stop()


class Running:
    def __init__(self, listener: Listener) -> None:
        self.listener = listener
        self.thread = threading.Thread(target=listener.run, daemon=True)
        self.thread.start()
        assert listener.subscribed.wait(10), "the listener did not subscribe"

    def stop(self) -> None:
        self.listener.stop()
        self.thread.join(10)
        assert not self.thread.is_alive()


def publisher() -> mqtt.Client:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"test-iot-pub-{uuid.uuid4().hex[:8]}")
    client.connect("127.0.0.1", 1883)
    client.loop_start()
    return client


def publish(client: mqtt.Client, topic: str, payload: dict | bytes) -> None:  # type: ignore[type-arg]
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    client.publish(topic, raw, qos=1).wait_for_publish(10)


def wait_for(condition, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except OperationalError:  # SQLite's shared in-memory test database: the listener holds a table lock
            pass
        time.sleep(0.1)
    raise AssertionError(f"timed out: {condition.__doc__ or ''}")


def test_an_entrapment_published_becomes_an_incident(cast, prefix, client_id):
    lift = device(cast.grid_a1, "EL-MQTT-1", lon=114.02, lat=22.51)
    running = Running(Listener(prefix=prefix, client_id=client_id))
    pub = publisher()
    try:
        publish(pub, f"{prefix}/{cast.grid_a1.code}/elevator/EL-MQTT-1",
                {"id": "e-1", "ts": timezone.now().isoformat(), "type": "alarm", "alarm": "entrapment"})
        wait_for(lambda: Alarm.objects.filter(device=lift, incident__isnull=False).exists())
    finally:
        running.stop()
        pub.loop_stop()
    incident = Incident.objects.get()
    assert incident.type_code == "91200" and incident.channel == "iot"


def test_a_listener_restart_mid_stream_loses_and_doubles_nothing(cast, prefix, client_id):
    hydrant = device(cast.grid_a1, "HY-MQTT-1", DeviceKind.HYDRANT, low_threshold=0.1)
    topic = f"{prefix}/{cast.grid_a1.code}/hydrant/HY-MQTT-1"
    pub = publisher()
    running = Running(Listener(prefix=prefix, client_id=client_id, batch_size=20))
    try:
        for i in range(150):
            publish(pub, topic, {"id": f"r-{i}", "ts": timezone.now().isoformat(), "type": "reading", "value": 0.3})
        wait_for(lambda: DeviceMessage.objects.filter(device=hydrant).count() >= 50)
        running.stop()  # mid-stream: what is published now waits in the broker for the session
        for i in range(150, 300):
            publish(pub, topic, {"id": f"r-{i}", "ts": timezone.now().isoformat(), "type": "reading", "value": 0.3})
        # A resend of a message already stored (a device retrying) is not stored twice.
        publish(pub, topic, {"id": "r-3", "ts": timezone.now().isoformat(), "type": "reading", "value": 0.3})
        running = Running(Listener(prefix=prefix, client_id=client_id, batch_size=20))
        try:
            wait_for(lambda: DeviceMessage.objects.filter(device=hydrant).count() >= 300)
        except AssertionError:
            got = set(DeviceMessage.objects.filter(device=hydrant).values_list("message_id", flat=True))
            raise AssertionError(f"{len(got)} stored; missing {sorted(set(f'r-{i}' for i in range(300)) - got)[:20]}; "
                                 f"inbox {running.listener.inbox.qsize()} stored {running.listener.stored}") from None
        time.sleep(1.0)  # anything further would be a duplicate
    finally:
        running.stop()
        pub.loop_stop()
    ids = list(DeviceMessage.objects.filter(device=hydrant).values_list("message_id", flat=True))
    assert len(ids) == 300 and set(ids) == {f"r-{i}" for i in range(300)}


def test_bad_payloads_are_counted_and_the_listener_goes_on(cast, prefix, client_id):
    smoke = device(cast.grid_a1, "SD-MQTT-1", DeviceKind.SMOKE)
    topic = f"{prefix}/{cast.grid_a1.code}/smoke/SD-MQTT-1"
    running = Running(Listener(prefix=prefix, client_id=client_id))
    pub = publisher()
    try:
        publish(pub, topic, b"\x00\x01 not json")
        publish(pub, topic, {"id": "x", "ts": timezone.now().isoformat(), "type": "alarm", "alarm": "entrapment"})
        publish(pub, topic, {"id": "y", "ts": "yesterday", "type": "heartbeat"})
        publish(pub, f"{prefix}/{cast.grid_a1.code}/smoke", b"{}")  # not a device topic: not even subscribed
        publish(pub, topic, {"id": "ok", "ts": timezone.now().isoformat(), "type": "heartbeat"})
        wait_for(lambda: DeviceMessage.objects.filter(device=smoke, accepted=True).exists())
    finally:
        running.stop()
        pub.loop_stop()
    smoke.refresh_from_db()
    assert smoke.rejected == 3 and smoke.last_seen is not None
    assert sorted(DeviceMessage.objects.filter(accepted=False).values_list("error_field", flat=True)) == \
        ["alarm", "payload", "ts"]


def test_yingji_serve_starts_the_listener_when_a_broker_answers(settings, capsys):
    from django.apps import apps

    config = apps.get_app_config("iot")
    settings.YINGJI_IOT_LISTEN_IN_SERVE = True
    settings.YINGJI_MQTT_PORT = 1  # nobody there: it says so and starts nothing
    assert config.serve_threads() == []
    assert "no MQTT broker" in capsys.readouterr().out
    settings.YINGJI_MQTT_PORT = 1883
    settings.YINGJI_MQTT_CLIENT_ID = f"test-iot-serve-{uuid.uuid4().hex[:8]}"
    settings.YINGJI_IOT_TOPIC_PREFIX = f"test/iot/{uuid.uuid4().hex[:8]}"
    threads = config.serve_threads()
    try:
        assert len(threads) == 1 and threads[0].listener.subscribed.wait(10)
    finally:
        for thread in threads:
            thread.stop()
            thread.join(10)
    cleaner = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=settings.YINGJI_MQTT_CLIENT_ID,
                          clean_session=True)
    cleaner.connect("127.0.0.1", 1883)
    cleaner.disconnect()
