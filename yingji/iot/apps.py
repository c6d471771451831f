from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IotConfig(AppConfig):
    name = "yingji.iot"
    label = "iot"
    verbose_name = _("IoT alarms")
    nav_items = [("iot:devices", _("IoT devices"))]
    # Consoles hear devices changing state and alarms arriving (core/realtime.py).
    live_topics = {"iot": "iot.view_device"}
