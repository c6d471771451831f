"""Issue 11, in a browser: overdue is loud on the console, and its feed speaks Beijing time on a UTC machine."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.utils import timezone

from yingji.incidents.services.intake import report_incident
from yingji.incidents.tests.builders import fire_in_a, world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_console_puts_the_33_minute_entrapment_first_red_and_rings_in_beijing_time(
        cast, page_for, asgi_server, screenshot):
    world(cast)
    stuck = fire_in_a(cast, type_code="91200", address="景华大厦3号电梯",
                      received_at=timezone.now() - datetime.timedelta(minutes=33))
    fire_in_a(cast, address="A社区2栋", received_at=timezone.now() - datetime.timedelta(seconds=5))
    console = page_for(cast.officer_a, timezone_id="UTC")
    console.goto(asgi_server + "/incidents/console/")
    console.wait_for_selector("body[data-live]")
    first = console.wait_for_selector("#console-incidents .item")
    assert first.get_attribute("data-incident") == str(stuck.pk)
    assert "u-late" in first.get_attribute("class")
    assert first.inner_text().count("33:") == 1
    console.wait_for_selector("[data-testid=overdue-banner]:not([hidden])")
    console.wait_for_selector("body[data-alarm-rings]")  # the alarm sounded
    screenshot(console, "incidents-console-overdue")
    console.click("[data-testid=alarm-mute]")
    console.wait_for_selector("body[data-alarm=muted]")
    assert console.get_attribute("[data-testid=alarm-mute]", "aria-pressed") == "true"

    # A new call arrives live: its time in the feed is Beijing time, though the browser's clock is UTC.
    beijing = zoneinfo.ZoneInfo("Asia/Shanghai")
    before = datetime.datetime.now(beijing)
    report_incident(actor=cast.officer_a, type_code="21100", channel="119", lon=114.021, lat=22.512,
                    address="A社区3栋", description="冒烟")
    line = console.wait_for_selector("#feed li[data-kind='incident.new']")
    after = datetime.datetime.now(beijing)
    shown = line.inner_text().split()[0]
    assert shown in {before.strftime("%H:%M:%S"), after.strftime("%H:%M:%S")} or \
        before.strftime("%H:%M") <= shown[:5] <= after.strftime("%H:%M"), shown
