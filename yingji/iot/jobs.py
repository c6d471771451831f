"""Periodic jobs of the IoT alarms (run by core.jobs): smoke alarms confirmed, silent devices reported."""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from yingji.core import realtime
from yingji.core.bulk import update_by_pk
from yingji.core.jobs import periodic
from yingji.iot import actions
from yingji.iot.models import Alarm, AlarmStatus, Device, DeviceState
from yingji.messaging import services as messaging

# One sweep reports at most this many devices; the next sweep takes the rest (a whole gateway going dark).
SILENT_BATCH = 5000


@periodic("iot.confirm_alarms", every=datetime.timedelta(seconds=10))
def confirm_alarms(now: datetime.datetime) -> dict[str, Any]:
    """Alarms that waited out their confirmation window uncancelled (smoke) become incidents now."""
    with transaction.atomic():
        due = list(Alarm.objects.select_for_update().filter(status=AlarmStatus.PENDING, confirm_at__lte=now)
                   .select_related("device__jurisdiction").order_by("confirm_at")[:500])
        for alarm in due:
            alarm.status = AlarmStatus.RAISED
        update_by_pk(due, ["status"])
        actions.act_on(due)
    return {"confirmed": len(due)}


@periodic("iot.report_silent", every=datetime.timedelta(minutes=1))
def report_silent(now: datetime.datetime) -> dict[str, Any]:
    """Devices that said nothing for longer than their heartbeat turn silent, once; their officers are told."""
    with transaction.atomic():
        silent = list(Device.objects.select_for_update().filter(silent_after__lt=now)
                      .exclude(state__in=[DeviceState.SILENT, DeviceState.DISABLED])
                      .select_related("jurisdiction").order_by("silent_after")[:SILENT_BATCH])
        for device in silent:
            device.state, device.silent_since = DeviceState.SILENT, device.silent_after
            realtime.publish(actions.TOPIC, device.jurisdiction.path,
                             {"kind": "device.state", "device": device.code, "state": device.state})
        update_by_pk(silent, ["state", "silent_since"])
        _tell(silent)
    return {"silent": len(silent)}


def _tell(devices: list[Device]) -> None:
    """One message per community (or grid) listing its silent devices, to its staff and the street's officers."""
    by_place: dict[int, list[Device]] = defaultdict(list)
    for device in devices:
        by_place[device.jurisdiction_id].append(device)
    if not by_place:
        return
    people = actions.people_for({d.jurisdiction.path for d in devices})
    drafts = []
    with translation.override(settings.LANGUAGE_CODE):
        for group in by_place.values():
            place = group[0].jurisdiction
            codes = "、".join(d.code for d in group[:20]) + ("…" if len(group) > 20 else "")
            drafts.append(messaging.Draft(
                jurisdiction=place, topic="iot", event="iot.silent",
                title=_("%(n)s IoT devices silent in %(place)s") % {"n": len(group), "place": place.name},
                body=_("No message for longer than their heartbeat: %(codes)s.") % {"codes": codes},
                payload={"url": reverse("iot:devices") + "?state=silent", "devices": [d.code for d in group[:100]]},
                recipients=people(place.path), channels=actions.NOTIFY_CHANNELS))
    messaging.send_many(drafts)
