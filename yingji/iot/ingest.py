"""Messages in, alarms out: one batch of received messages stored and acted on in one transaction.

The MQTT listener (iot/listener.py) and the HTTP endpoint hand their messages
here. For a batch: find the devices (one query), validate every message
(payloads.py; a refusal is stored with the field at fault and counted on the
device), drop messages already stored (a broker redelivers a QoS 1 message
whose acknowledgement it did not get: same device and message id), store the
rest, update the devices' state, fold repeated alarms into the open alarm of
the device within the rule's window, and turn new alarms into incidents
(incidents' intake, one batched call) or hazards (hazards' reporting). Smoke
alarms wait for their confirmation window (jobs.py raises them). The listener
acknowledges the messages only after this commits: a crash loses nothing.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from yingji.core import realtime
from yingji.core.bulk import update_by_pk
from yingji.iot import rules
from yingji.iot.models import Alarm, AlarmStatus, Device, DeviceMessage, DeviceState, MessageKind, Transport
from yingji.iot.payloads import Body, Refused, parse_body, parse_topic

log = logging.getLogger("yingji.iot")
TOPIC = "iot"


def topic_prefix() -> str:
    return getattr(settings, "YINGJI_IOT_TOPIC_PREFIX", "yingji").strip("/") or "yingji"


def topic_for(device: Device, prefix: str | None = None) -> str:
    return f"{prefix or topic_prefix()}/{device.jurisdiction.code}/{device.kind}/{device.code}"


@dataclass
class Incoming:
    """One message as received: where from, the raw bytes, when."""

    topic: str
    payload: bytes
    transport: str = Transport.MQTT
    received_at: datetime.datetime | None = None
    device_code: str = ""  # HTTP: the signed header names the device; MQTT: the topic does
    refused: Refused | None = None  # HTTP: a signature refused before the body is read


@dataclass
class Outcome:
    stored: int = 0
    refused: int = 0
    duplicates: int = 0
    alarms_new: int = 0
    alarms_folded: int = 0
    incidents: list[int] = field(default_factory=list)
    hazards: list[int] = field(default_factory=list)
    refusals: list[tuple[str, str, str]] = field(default_factory=list)  # (device code, field, message)


def raw_text(raw: bytes) -> str:
    """The start of a refused payload as text to keep; NUL (which PostgreSQL's text refuses) shown as �."""
    return raw[:2000].decode("utf-8", errors="replace").replace("\x00", "\ufffd")


def ingest(items: list[Incoming], *, prefix: str | None = None, now: datetime.datetime | None = None) -> Outcome:
    """Store and act on a batch of messages in one transaction; never raises for a bad message."""
    now = now or timezone.now()
    prefix = prefix or topic_prefix()
    outcome = Outcome()
    parsed: list[tuple[Incoming, str, str, str]] = []
    for item in items:
        item.received_at = item.received_at or now
        try:
            if item.transport == Transport.MQTT:
                jurisdiction_code, kind, code = parse_topic(item.topic, prefix)
            else:
                jurisdiction_code, kind, code = "", "", item.device_code
            parsed.append((item, jurisdiction_code, kind, code))
        except Refused as exc:
            item.refused = item.refused or exc
            parsed.append((item, "", "", ""))
    codes = {code for _i, _j, _k, code in parsed if code}
    devices = {d.code: d for d in Device.objects.filter(code__in=codes).select_related("jurisdiction")}
    accepted: list[tuple[Incoming, Device, Body]] = []
    rows: list[DeviceMessage] = []
    refused_per_device: dict[int, int] = defaultdict(int)
    for item, jurisdiction_code, kind, code in parsed:
        device = devices.get(code)
        try:
            if item.refused is not None:
                raise item.refused
            if device is None:
                raise Refused("device", f"unknown device {code[:64]!r}")
            if item.transport == Transport.MQTT and (jurisdiction_code != device.jurisdiction.code
                                                     or kind != device.kind):
                raise Refused("topic", f"device {code} is registered as {device.kind} in {device.jurisdiction.code}")
            if device.state == DeviceState.DISABLED:
                raise Refused("device", f"device {code} is out of service")
            body = parse_body(item.payload, device.kind, now)
            accepted.append((item, device, body))
        except Refused as exc:
            outcome.refused += 1
            outcome.refusals.append((code, exc.field, exc.message))
            log.warning("iot: refused a message of %r on %r: %s: %s", code, item.topic, exc.field, exc.message)
            if device is not None:
                refused_per_device[device.pk] += 1
            rows.append(DeviceMessage(
                device=device, jurisdiction_id=device.jurisdiction_id if device else None, device_code=code[:64],
                transport=item.transport, topic=item.topic[:200], received_at=item.received_at, accepted=False,
                error_field=exc.field[:40], error=str(exc.message)[:300], raw=raw_text(item.payload)))
    # A redelivered message (same device, same id) is stored once: drop those already stored or repeated.
    seen: set[tuple[int, str]] = set()
    if accepted:
        existing = set(DeviceMessage.objects.filter(
            device_id__in={d.pk for _i, d, _b in accepted}, message_id__in={b.message_id for _i, _d, b in accepted},
            accepted=True).values_list("device_id", "message_id"))
        fresh = []
        for item, device, body in accepted:
            key = (device.pk, body.message_id)
            if key in existing or key in seen:
                outcome.duplicates += 1
                continue
            seen.add(key)
            fresh.append((item, device, body))
        accepted = fresh
    for item, device, body in accepted:
        rows.append(DeviceMessage(
            device=device, jurisdiction_id=device.jurisdiction_id, device_code=device.code,
            message_id=body.message_id, transport=item.transport, topic=item.topic[:200],
            received_at=item.received_at, sent_at=body.sent_at, kind=body.kind, alarm_type=body.alarm_type,
            value=body.value, accepted=True, raw=""))
    outcome.stored = len(accepted)
    with transaction.atomic():
        DeviceMessage.objects.bulk_create(rows, batch_size=1000)
        for device_id, n in refused_per_device.items():
            Device.objects.filter(pk=device_id).update(rejected=F("rejected") + n)
        _update_devices(accepted, now)
        _alarms(accepted, outcome, now)
    return outcome


def _alarm_of(device: Device, body: Body) -> str:
    """The alarm type a message raises: its own, or a reading below the device's threshold."""
    if body.kind == MessageKind.ALARM:
        return body.alarm_type
    if body.kind == MessageKind.READING and device.kind in rules.LOW_READING_ALARM:
        threshold = device.low_threshold if device.low_threshold is not None \
            else rules.DEFAULT_LOW_THRESHOLD.get(device.kind)
        if threshold is not None and body.value is not None and body.value < threshold:
            return rules.LOW_READING_ALARM[device.kind]
    return ""


def _update_devices(accepted: list[tuple[Incoming, Device, Body]], now: datetime.datetime) -> None:
    changed: dict[int, Device] = {}
    for item, device, body in sorted(accepted, key=lambda t: t[2].sent_at):
        before = device.state
        device.last_seen = max(device.last_seen or item.received_at, item.received_at)
        if body.value is not None:
            device.last_value = body.value
        if _alarm_of(device, body):
            device.state = DeviceState.ALARM
        elif body.kind == MessageKind.FAULT:
            device.state = DeviceState.FAULT
        elif body.kind == MessageKind.CANCEL or (body.kind == MessageKind.READING and device.state == DeviceState.ALARM
                                                and device.kind in rules.LOW_READING_ALARM):
            device.state = DeviceState.NORMAL
        elif device.state == DeviceState.SILENT:
            device.state = DeviceState.NORMAL
        if device.state != DeviceState.SILENT:
            device.silent_since = None
        device.silent_after = device.last_seen + datetime.timedelta(seconds=device.heartbeat_s)
        if device.state != before:
            realtime.publish(TOPIC, device.jurisdiction.path,
                             {"kind": "device.state", "device": device.code, "state": device.state})
        changed[device.pk] = device
    if changed:
        update_by_pk(list(changed.values()), ["last_seen", "last_value", "state", "silent_since", "silent_after"])


def _alarms(accepted: list[tuple[Incoming, Device, Body]], outcome: Outcome, now: datetime.datetime) -> None:
    """Fold alarms into the open alarm of their device within the window, or open new ones; cancels stop them."""
    wanted: dict[tuple[int, str], list[tuple[Device, Body]]] = defaultdict(list)
    cancels: list[tuple[Device, Body]] = []
    for _item, device, body in accepted:
        alarm_type = _alarm_of(device, body)
        if alarm_type:
            wanted[(device.pk, alarm_type)].append((device, body))
        elif body.kind == MessageKind.CANCEL:
            cancels.append((device, body))
    if not wanted and not cancels:
        return
    device_ids = {k[0] for k in wanted} | {d.pk for d, _b in cancels}
    horizon = now - max(r.window for r in rules.RULES) - datetime.timedelta(days=1)
    open_alarms: dict[tuple[int, str], Alarm] = {}
    for alarm in (Alarm.objects.select_for_update().filter(
            device_id__in=device_ids, status__in=[AlarmStatus.PENDING, AlarmStatus.RAISED], last_at__gte=horizon)
            .order_by("last_at")):
        open_alarms[(alarm.device_id, alarm.alarm_type)] = alarm  # the latest one wins
    new: list[Alarm] = []
    folded: dict[int, Alarm] = {}
    for (device_id, alarm_type), messages in wanted.items():
        device = messages[0][0]
        rule = rules.rule_for(device.kind, alarm_type)
        if rule is None:
            continue
        current = open_alarms.get((device_id, alarm_type))
        for _device, body in sorted(messages, key=lambda m: m[1].sent_at):
            at = body.sent_at
            if current is not None and at - current.last_at <= rule.window and at >= current.first_at - rule.window:
                current.repeats += 1
                current.last_at = max(current.last_at, at)
                if body.value is not None:
                    current.value = body.value
                if current.pk:
                    folded[current.pk] = current
                outcome.alarms_folded += 1
                continue
            current = Alarm(device=device, jurisdiction_id=device.jurisdiction_id, alarm_type=alarm_type,
                            status=AlarmStatus.PENDING if rule.confirm else AlarmStatus.RAISED, first_at=at,
                            last_at=at, value=body.value,
                            confirm_at=at + rule.confirm if rule.confirm else None)
            new.append(current)
            outcome.alarms_new += 1
    for device, body in cancels:
        current = open_alarms.get((device.pk, body.alarm_type))
        if current is None:
            continue
        current.status = AlarmStatus.CANCELLED if current.status == AlarmStatus.PENDING else AlarmStatus.CLEARED
        folded[current.pk] = current
    if folded:
        update_by_pk(list(folded.values()), ["repeats", "last_at", "value", "status"])
    if new:
        Alarm.objects.bulk_create(new)
        for alarm in new:
            realtime.publish(TOPIC, alarm.device.jurisdiction.path,
                             {"kind": "alarm.new", "alarm": alarm.pk, "device": alarm.device.code,
                              "alarm_type": alarm.alarm_type})
        from yingji.iot.actions import act_on

        act_on([a for a in new if a.status == AlarmStatus.RAISED], outcome)
