import logging
from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IotConfig(AppConfig):
    name = "yingji.iot"
    label = "iot"
    verbose_name = _("IoT alarms")
    nav_items = [("iot:devices", _("IoT devices"))]
    # Consoles hear devices changing state and alarms arriving (core/realtime.py).
    live_topics = {"iot": "iot.view_device"}

    def serve_threads(self) -> list[Any]:
        """`yingji serve` (development, `make demo`): the MQTT listener in a thread when a broker answers."""
        from django.conf import settings

        from yingji.iot.listener import Listener, ListenerThread, broker, broker_reachable

        if not settings.YINGJI_IOT_LISTEN_IN_SERVE:
            return []
        host, port = broker()
        if not broker_reachable(host, port):
            message = f"IoT: no MQTT broker on {host}:{port}; the listener is not started (docs/iot.md)"
            logging.getLogger("yingji.iot").warning(message)
            print(message, flush=True)
            return []
        thread = ListenerThread(Listener())
        thread.start()
        print(f"IoT: listening to MQTT on {host}:{port} (topics {thread.listener.prefix}/+/+/+)", flush=True)
        return [thread]
