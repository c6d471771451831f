"""What a device may send, and its validation: every refusal names the field at fault.

Topic (MQTT): `<prefix>/<jurisdiction code>/<device type>/<device code>`, e.g.
`yingji/440304001001/elevator/EL-0001`; the prefix is YINGJI_IOT_TOPIC_PREFIX.
Body (MQTT payload or HTTP body), a JSON object:

    {"id": "8f1c…",                 message id, 1–64 characters, unique per device (a resend is stored once)
     "ts": "2026-12-05T02:00:00+08:00",   when the device sent it: ISO 8601 with offset, or epoch seconds
     "type": "alarm",               alarm | cancel | reading | heartbeat | fault
     "alarm": "entrapment",         alarm and cancel: the alarm type of the device type (iot/rules.py)
     "value": 0.08}                 reading: a number (a hydrant's pressure in MPa); optional elsewhere

Alarm types per device type: elevator: entrapment, ebike; hydrant: low_pressure
(or a reading below the device's threshold); smoke: smoke; fire_lane: blocked.
"""

from __future__ import annotations

import datetime
import json
import math
import re
from dataclasses import dataclass
from typing import Any

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from yingji.iot.models import MessageKind
from yingji.iot.rules import alarm_types

MAX_BYTES = 4096
MESSAGE_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
# A device clock may be off; a message claiming to come from further in the future is refused.
MAX_CLOCK_AHEAD = datetime.timedelta(minutes=10)
MAX_AGE = datetime.timedelta(days=7)


class Refused(Exception):
    """A message that cannot be accepted; `field` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass
class Body:
    message_id: str
    sent_at: datetime.datetime
    kind: str
    alarm_type: str
    value: float | None


def parse_topic(topic: str, prefix: str) -> tuple[str, str, str]:
    """(jurisdiction code, device type, device code) of a topic of the layout."""
    parts = topic.split("/")
    head = prefix.split("/")
    if len(parts) != len(head) + 3 or parts[: len(head)] != head:
        raise Refused("topic", _("The topic is not %(layout)s.") % {
            "layout": f"{prefix}/<jurisdiction code>/<device type>/<device code>"})
    return parts[-3], parts[-2], parts[-1]


def parse_body(raw: bytes, device_kind: str, now: datetime.datetime) -> Body:
    if len(raw) > MAX_BYTES:
        raise Refused("payload", _("The message is larger than %(n)s bytes.") % {"n": MAX_BYTES})
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise Refused("payload", _("The message is not JSON text in UTF-8.")) from None
    if not isinstance(data, dict):
        raise Refused("payload", _("The message must be a JSON object."))
    message_id = data.get("id")
    if not isinstance(message_id, str) or not MESSAGE_ID.match(message_id):
        raise Refused("id", _("Give the message id: 1–64 letters, digits or _ . : -"))
    sent_at = _timestamp(data.get("ts"), now)
    kind = data.get("type")
    if kind not in MessageKind.values:
        raise Refused("type", _("The type must be one of: %(types)s.") % {"types": ", ".join(MessageKind.values)})
    alarm_type = data.get("alarm") or ""
    if kind in (MessageKind.ALARM, MessageKind.CANCEL):
        allowed = alarm_types(device_kind)
        if alarm_type not in allowed:
            raise Refused("alarm", _("This device type reports the alarms: %(types)s.") % {"types": ", ".join(allowed)})
    elif alarm_type:
        raise Refused("alarm", _("Only an alarm or a cancel names an alarm type."))
    value = data.get("value")
    if value is not None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise Refused("value", _("The value must be a number."))
        value = float(value)
    elif kind == MessageKind.READING:
        raise Refused("value", _("A reading needs its value."))
    return Body(message_id=message_id, sent_at=sent_at, kind=kind, alarm_type=alarm_type, value=value)


def _timestamp(raw: Any, now: datetime.datetime) -> datetime.datetime:
    at: datetime.datetime | None = None
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and math.isfinite(raw):
        try:
            at = datetime.datetime.fromtimestamp(float(raw), tz=datetime.UTC)
        except (OverflowError, OSError, ValueError):
            at = None
    elif isinstance(raw, str):
        try:
            at = parse_datetime(raw)
        except ValueError:
            at = None
        if at is not None and at.tzinfo is None:
            raise Refused("ts", _("The time needs its UTC offset (e.g. +08:00)."))
    if at is None:
        raise Refused("ts", _("Give the time sent: ISO 8601 with offset, or epoch seconds."))
    if at > now + MAX_CLOCK_AHEAD:
        raise Refused("ts", _("The time sent lies in the future; check the device's clock."))
    if at < now - MAX_AGE:
        raise Refused("ts", _("The message is more than 7 days old."))
    return at
