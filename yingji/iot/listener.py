"""The MQTT listener: subscribes to every device topic with QoS 1 on a persistent session and
hands the messages to ingest.py in batches, acknowledging each only after its batch is stored.

- Persistent session (clean_session False, a fixed client id): while the listener
  is down, the broker keeps the QoS 1 messages for it and delivers them when it
  comes back, so a restart loses nothing (the broker's queue limit is its
  max_queued_messages, docs/deployment.md).
- Manual acknowledgement: PUBACK leaves after the batch's transaction commits; a
  crash before that makes the broker deliver again, and the (device, message id)
  check stores a redelivered message once.
- A bad message is refused and recorded by ingest (field at fault, counted on
  the device); an unexpected error in a batch is retried message by message,
  and a message that still fails is recorded as refused, so one poison message
  never stops the listener. A database outage is waited out (nothing acknowledged).
"""

from __future__ import annotations

import logging
import queue
import socket
import threading
import time
from typing import Any

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, close_old_connections
from django.utils import timezone

from yingji.iot import ingest
from yingji.iot.models import DeviceMessage, Transport

log = logging.getLogger("yingji.iot")


def broker() -> tuple[str, int]:
    return (getattr(settings, "YINGJI_MQTT_HOST", "127.0.0.1"), int(getattr(settings, "YINGJI_MQTT_PORT", 1883)))


def broker_reachable(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


class Listener:
    """One MQTT client and the loop that stores what it receives. `run()` blocks until `stop()`."""

    def __init__(self, *, host: str | None = None, port: int | None = None, prefix: str | None = None,
                 client_id: str | None = None, batch_size: int = 500, batch_wait: float = 0.02,
                 username: str = "", password: str = "") -> None:
        default_host, default_port = broker()
        self.host, self.port = host or default_host, port or default_port
        self.prefix = (prefix or ingest.topic_prefix()).strip("/")
        self.client_id = client_id or getattr(settings, "YINGJI_MQTT_CLIENT_ID", "yingji-iot-listener")
        self.batch_size, self.batch_wait = batch_size, batch_wait
        self.username = username or getattr(settings, "YINGJI_MQTT_USERNAME", "")
        self.password = password or getattr(settings, "YINGJI_MQTT_PASSWORD", "")
        self.inbox: queue.Queue[Any] = queue.Queue()
        self.stopping = threading.Event()
        self.subscribed = threading.Event()
        self.stored = 0
        self.client: Any = None

    # -- MQTT
    def _connect(self) -> None:
        import paho.mqtt.client as mqtt

        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=self.client_id, clean_session=False,
                             protocol=mqtt.MQTTv311, manual_ack=True)
        if self.username:
            client.username_pw_set(self.username, self.password)
        client.on_connect = self._on_connect
        client.on_message = lambda _client, _userdata, message: self.inbox.put(message)
        client.on_disconnect = self._on_disconnect
        # Subscribed once the broker says so (SUBACK): from then on it keeps what comes for the session.
        client.on_subscribe = lambda *_args: self.subscribed.set()
        client.reconnect_delay_set(min_delay=1, max_delay=10)
        client.connect_async(self.host, self.port, keepalive=30)
        client.loop_start()
        self.client = client

    def _on_connect(self, client: Any, _userdata: Any, _flags: Any, reason: Any, _properties: Any = None) -> None:
        if getattr(reason, "is_failure", False):
            log.error("iot: the broker refused the connection: %s", reason)
            return
        client.subscribe(f"{self.prefix}/+/+/+", qos=1)
        log.info("iot: listening on %s:%s to %s/+/+/+", self.host, self.port, self.prefix)

    def _on_disconnect(self, _client: Any, _userdata: Any, _flags: Any, reason: Any, _properties: Any = None) -> None:
        self.subscribed.clear()
        if not self.stopping.is_set():
            log.warning("iot: disconnected from the broker (%s); reconnecting", reason)

    # -- the loop
    def run(self) -> None:
        self._connect()
        try:
            while not self.stopping.is_set():
                batch = self._next_batch()
                if batch:
                    self._store(batch)
        finally:
            self.client.loop_stop()
            self.client.disconnect()
            close_old_connections()

    def stop(self) -> None:
        self.stopping.set()

    def _next_batch(self) -> list[Any]:
        try:
            first = self.inbox.get(timeout=0.2)
        except queue.Empty:
            return []
        batch = [first]
        deadline = time.monotonic() + self.batch_wait
        while len(batch) < self.batch_size:
            remaining = deadline - time.monotonic()
            try:
                batch.append(self.inbox.get(timeout=max(0.0, remaining)) if remaining > 0 else self.inbox.get_nowait())
            except queue.Empty:
                break
        return batch

    def _items(self, batch: list[Any]) -> list[ingest.Incoming]:
        now = timezone.now()
        return [ingest.Incoming(topic=m.topic, payload=bytes(m.payload), transport=Transport.MQTT, received_at=now)
                for m in batch]

    def _store(self, batch: list[Any]) -> None:
        while not self.stopping.is_set():
            close_old_connections()
            try:
                ingest.ingest(self._items(batch), prefix=self.prefix)
                break
            except (OperationalError, InterfaceError) as exc:
                # The database is away: keep the messages unacknowledged and try again.
                log.error("iot: database unavailable (%s); retrying in 2 s", exc)
                time.sleep(2)
            except Exception:
                log.exception("iot: a batch of %s failed; storing its messages one by one", len(batch))
                self._one_by_one(batch)
                break
        else:
            return  # stopping: unacknowledged messages come back on the next start
        self.stored += len(batch)
        for message in batch:
            self.client.ack(message.mid, message.qos)

    def _one_by_one(self, batch: list[Any]) -> None:
        for item in self._items(batch):
            try:
                ingest.ingest([item], prefix=self.prefix)
            except (OperationalError, InterfaceError):
                raise
            except Exception as exc:  # a poison message: recorded as refused, never retried for ever
                log.exception("iot: message on %s could not be stored", item.topic)
                try:
                    DeviceMessage.objects.create(
                        device_code=item.topic.rsplit("/", 1)[-1][:64], transport=Transport.MQTT,
                        topic=item.topic[:200], received_at=item.received_at or timezone.now(), accepted=False,
                        error_field="payload", error=f"internal error: {type(exc).__name__}"[:300],
                        raw=ingest.raw_text(item.payload))
                except DatabaseError:
                    log.exception("iot: could not record the failed message either")


class ListenerThread(threading.Thread):
    """The listener in a daemon thread of `yingji serve` (development and the demo)."""

    def __init__(self, listener: Listener) -> None:
        super().__init__(name="yingji-iot-listener", daemon=True)
        self.listener = listener

    def run(self) -> None:
        self.listener.run()

    def stop(self) -> None:
        self.listener.stop()
