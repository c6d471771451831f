"""`yingji iot-listen`: run the MQTT listener of the IoT alarms until interrupted."""

from __future__ import annotations

import signal
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from yingji.iot.listener import Listener, broker_reachable


class Command(BaseCommand):
    help = "Listen to the IoT devices' MQTT topics (QoS 1, persistent session) and turn alarms into incidents."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=None, help="broker host (YINGJI_MQTT_HOST, default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=None, help="broker port (YINGJI_MQTT_PORT, default 1883)")
        parser.add_argument("--prefix", default=None, help="topic prefix (YINGJI_IOT_TOPIC_PREFIX, default yingji)")
        parser.add_argument("--client-id", default=None, help="MQTT client id; keep it fixed (persistent session)")

    def handle(self, *args: Any, **options: Any) -> None:
        listener = Listener(host=options["host"], port=options["port"], prefix=options["prefix"],
                            client_id=options["client_id"])
        if not broker_reachable(listener.host, listener.port, timeout=2):
            raise CommandError(f"no MQTT broker answers on {listener.host}:{listener.port}")
        signal.signal(signal.SIGTERM, lambda *_: listener.stop())
        self.stdout.write(f"Listening on {listener.host}:{listener.port} to {listener.prefix}/+/+/+ (Ctrl-C to stop)")
        try:
            listener.run()
        except KeyboardInterrupt:
            listener.stop()
