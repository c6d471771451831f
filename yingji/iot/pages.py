"""What the device pages and the map read: the GeoJSON layer and a device's readings.

Both start from the caller's scoped queryset (or a device already looked up through it).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from yingji.iot.models import Device, DeviceKind, DeviceMessage, DeviceState

STATE_COLOURS = {DeviceState.NORMAL: "#2e7d32", DeviceState.ALARM: "#d32f2f", DeviceState.FAULT: "#f57c00",
                 DeviceState.SILENT: "#757575", DeviceState.DISABLED: "#9e9e9e"}
MAX_POINTS = 2000


def devices_geojson(user: Any, kind: str | None = None) -> dict[str, Any]:
    queryset = Device.objects.visible_to(user)
    if kind in DeviceKind.values:
        queryset = queryset.filter(kind=kind)
    features = []
    for code, kind_value, state, lon, lat, building in queryset.order_by("code").values_list(
            "code", "kind", "state", "lon", "lat", "building"):
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                         "properties": {"code": code, "kind": kind_value, "kind_label": str(DeviceKind(kind_value).label),
                                        "state": state, "state_label": str(DeviceState(state).label),
                                        "colour": STATE_COLOURS.get(state, "#1565c0"), "building": building}})
    return {"type": "FeatureCollection", "features": features}


def readings(device: Device, since: datetime.timedelta) -> dict[str, Any]:
    """[iso time, value] of the device's accepted readings in the period, oldest first (at most 2,000)."""
    rows = (DeviceMessage.objects.filter(device=device, accepted=True, value__isnull=False,
                                         received_at__gte=timezone.now() - since)
            .order_by("-received_at").values_list("received_at", "value")[:MAX_POINTS])
    points = [[at.isoformat(), value] for at, value in reversed(list(rows))]
    return {"device": device.code, "threshold": device.low_threshold, "points": points}
