"""Builders for the IoT tests: a device where you want it."""

from __future__ import annotations

from typing import Any

from yingji.iot.models import Device, DeviceKind
from yingji.iot.services import create_device


def device(jurisdiction: Any, code: str = "EL-A-1", kind: str = DeviceKind.ELEVATOR, *, actor: Any = None,
           **fields: Any) -> Device:
    """A device registered in `jurisdiction` (by a superuser-like path: no actor means straight to the table)."""
    lon = fields.pop("lon", (jurisdiction.centroid_lon or 114.02))
    lat = fields.pop("lat", (jurisdiction.centroid_lat or 22.51))
    if actor is not None:
        return create_device(actor=actor, jurisdiction=jurisdiction, code=code, kind=kind, lon=lon, lat=lat, **fields)
    fields.setdefault("building", "A社区1栋")
    return Device.objects.create(jurisdiction=jurisdiction, code=code, kind=kind, lon=lon, lat=lat, **fields)
