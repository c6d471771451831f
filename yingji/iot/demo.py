"""Demo step (65): IoT devices in every community — elevator monitors, hydrant pressure sensors,
smoke detectors, fire-lane sensors — with a day of hydrant readings, so the device pages and
the map have something to show. Alarms come later from the listener (`yingji iot-listen`).
"""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.utils import timezone
from shapely.geometry import Point, shape

from yingji.core.demo import DemoContext, demo_step
from yingji.iot.models import Device, DeviceKind, DeviceMessage, DeviceState, MessageKind, Transport

# Per community: how many of each (Shanghai's ratio of monitored elevators dominates).
PER_COMMUNITY = {DeviceKind.ELEVATOR: 8, DeviceKind.HYDRANT: 3, DeviceKind.SMOKE: 5, DeviceKind.FIRE_LANE: 2}
PREFIX = {DeviceKind.ELEVATOR: "EL", DeviceKind.HYDRANT: "HY", DeviceKind.SMOKE: "SD", DeviceKind.FIRE_LANE: "FL"}
HEARTBEAT = {DeviceKind.ELEVATOR: 300, DeviceKind.HYDRANT: 1800, DeviceKind.SMOKE: 3600, DeviceKind.FIRE_LANE: 600}
VENDORS = {DeviceKind.ELEVATOR: ("日立电梯物联终端", "HT-EM200"), DeviceKind.HYDRANT: ("水务压力监测", "WP-3A"),
           DeviceKind.SMOKE: ("独立式烟感", "JTY-GD-02"), DeviceKind.FIRE_LANE: ("地磁车检器", "MG-11")}
BUILDINGS = ("花园", "大厦", "公寓", "小区", "广场", "苑")


def _point(rng: random.Random, community: Any) -> tuple[float, float]:
    if community.boundary:
        polygon = shape(community.boundary)
        west, south, east, north = polygon.bounds
        for _attempt in range(30):
            lon, lat = rng.uniform(west, east), rng.uniform(south, north)
            if polygon.contains(Point(lon, lat)):
                return lon, lat
        rep = polygon.representative_point()
        return rep.x, rep.y
    return (community.centroid_lon or 114.05) + rng.uniform(-0.004, 0.004), \
        (community.centroid_lat or 22.54) + rng.uniform(-0.004, 0.004)


@demo_step(65, "IoT devices and hydrant readings")
def generate_devices(context: DemoContext) -> None:
    rng = context.sub_rng("iot")
    now = timezone.now()
    devices = []
    for index, community in enumerate(context.communities):
        for kind, count in PER_COMMUNITY.items():
            for n in range(count if context.scale != "small" else max(1, count // 2)):
                lon, lat = _point(rng, community)
                vendor, model = VENDORS[kind]
                building = f"{community.name[:4]}{rng.choice(BUILDINGS)}{rng.randint(1, 12)}栋"
                devices.append(Device(
                    jurisdiction=community, code=f"{PREFIX[kind]}-{community.code}-{n + 1:02d}", kind=kind,
                    model=model, vendor=vendor, building=building,
                    location={DeviceKind.ELEVATOR: f"{rng.randint(1, 4)}号梯", DeviceKind.SMOKE: f"{rng.randint(1, 30)}层走道",
                              DeviceKind.HYDRANT: "室外消火栓", DeviceKind.FIRE_LANE: "消防车通道"}[kind],
                    lon=lon, lat=lat, owner_unit=f"{community.name[:4]}物业服务中心" if kind != DeviceKind.HYDRANT
                    else "市水务集团", install_date=(now - datetime.timedelta(days=rng.randint(60, 1500))).date(),
                    heartbeat_s=HEARTBEAT[kind], low_threshold=0.10 if kind == DeviceKind.HYDRANT else None,
                    state=DeviceState.NORMAL, last_seen=now - datetime.timedelta(seconds=rng.randint(5, 200))))
        if index % 17 == 5 and devices:
            devices[-1].state, devices[-1].silent_since = DeviceState.SILENT, now - datetime.timedelta(hours=3)
            devices[-1].last_seen = now - datetime.timedelta(hours=3, seconds=devices[-1].heartbeat_s)
    for device in devices:
        device.silent_after = device.last_seen + datetime.timedelta(seconds=device.heartbeat_s)
    Device.objects.bulk_create(devices, batch_size=1000)
    readings = []
    for device in Device.objects.filter(kind=DeviceKind.HYDRANT).select_related("jurisdiction"):
        base = rng.uniform(0.22, 0.38)
        for step in range(48):
            at = now - datetime.timedelta(minutes=30 * (48 - step))
            value = round(max(0.0, base + rng.gauss(0, 0.015) - (0.05 if 2 <= at.hour <= 5 else 0)), 3)
            readings.append(DeviceMessage(
                device=device, jurisdiction=device.jurisdiction, device_code=device.code,
                message_id=f"demo-{device.code}-{step}", transport=Transport.MQTT,
                topic=f"yingji/{device.jurisdiction.code}/hydrant/{device.code}", received_at=at, sent_at=at,
                kind=MessageKind.READING, value=value, accepted=True))
    DeviceMessage.objects.bulk_create(readings, batch_size=2000)
    context.say(f"  {len(devices)} IoT devices, {len(readings)} hydrant readings")
