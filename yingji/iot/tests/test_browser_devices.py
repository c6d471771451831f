"""The device registry and a device's page in a browser: the map by state, the readings chart, a phone."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from yingji.iot.models import DeviceKind, DeviceMessage, DeviceState, MessageKind, Transport
from yingji.iot.tests.builders import device

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_registry_map_and_a_hydrants_chart(cast, page_for, screenshot):
    hydrant = device(cast.grid_a1, "HY-A-1", DeviceKind.HYDRANT, low_threshold=0.1, building="<b>A社区</b>3栋",
                     lon=114.02, lat=22.51)
    device(cast.grid_a1, "EL-A-1", lon=114.021, lat=22.512, state=DeviceState.ALARM)
    device(cast.grid_a1, "SD-A-1", DeviceKind.SMOKE, lon=114.019, lat=22.509, state=DeviceState.SILENT)
    device(cast.community_c, "EL-C-1", lon=114.06, lat=22.52)
    now = timezone.now()
    DeviceMessage.objects.bulk_create([
        DeviceMessage(device=hydrant, jurisdiction=hydrant.jurisdiction, device_code="HY-A-1", message_id=str(i),
                      transport=Transport.MQTT, received_at=now - datetime.timedelta(minutes=30 * i),
                      kind=MessageKind.READING, value=0.3 - 0.01 * i, accepted=True) for i in range(12)])
    page = page_for(cast.officer_a)
    page.set_default_timeout(60_000)  # a loaded 2-core machine; nothing here waits on purpose
    page.goto("/iot/")
    page.wait_for_selector("#iot-map[data-loaded='3']")  # A's three devices; C's is not A's
    assert page.locator("[data-testid=devices] tbody tr").count() == 3
    assert page.locator("b:text('A社区')").count() == 0  # names are text, never markup
    screenshot(page, "iot-devices")
    page.goto("/iot/devices/HY-A-1/")
    page.wait_for_selector("#readings-chart[data-points='12']")
    screenshot(page, "iot-device")
    phone = page_for(cast.officer_a, mobile=True)
    phone.set_default_timeout(60_000)
    phone.goto("/iot/devices/HY-A-1/")
    phone.wait_for_selector("#readings-chart[data-points='12']")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    screenshot(phone, "iot-device-phone")
