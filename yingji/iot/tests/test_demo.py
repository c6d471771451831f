"""The IoT demo: devices of every type inside their communities, hydrants with a day of readings."""

from __future__ import annotations

import io

import pytest
from shapely.geometry import Point, shape

from yingji.core.demo import DemoContext
from yingji.iot.demo import generate_devices
from yingji.iot.models import Device, DeviceKind, DeviceMessage

pytestmark = pytest.mark.django_db


def test_it_places_devices_of_every_type_in_their_communities(cast):
    context = DemoContext(scale="futian", seed=7, out=io.StringIO())
    context.communities = [cast.community_a, cast.community_b, cast.community_c]
    generate_devices(context)
    assert set(Device.objects.values_list("kind", flat=True)) == set(DeviceKind.values)
    for device in Device.objects.select_related("jurisdiction"):
        assert shape(device.jurisdiction.boundary).contains(Point(device.lon, device.lat)), device.code
    hydrant = Device.objects.filter(kind=DeviceKind.HYDRANT).first()
    values = list(DeviceMessage.objects.filter(device=hydrant).values_list("value", flat=True))
    assert len(values) == 48 and all(0 < v < 1 for v in values)
