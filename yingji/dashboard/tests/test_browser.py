"""The command dashboard in headless Chromium, in Chinese: layers drawn, charts drawn, figures and
"needs attention today" from the data endpoint; desktop and a 390 px phone; the wall display."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from yingji.incidents.models import Incident
from yingji.incidents.tests.builders import make_station, make_team

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def district(cast):  # type: ignore[no-untyped-def]
    sa = make_station(cast.community_a, "ST-A", "A站", 114.02, 22.51)
    make_station(cast.community_c, "ST-C", "C站", 114.07, 22.53)
    make_team(cast.community_a, "T-A1", "A一队", 114.02, 22.51, station=sa)
    now = timezone.now()
    for i, (j, lon, lat) in enumerate([(cast.community_a, 114.021, 22.512), (cast.community_c, 114.07, 22.531)]):
        Incident.objects.create(jurisdiction=j, type_code="21100", channel="119", lon=lon, lat=lat, status="reported",
                                received_at=now - datetime.timedelta(minutes=5 + i), reference=f"BR{i}")


def test_the_commander_sees_the_dashboard_in_chinese(cast, page_for, screenshot):
    district(cast)
    page = page_for(cast.commander)
    page.goto("/dashboard/")
    root = '[data-testid="dashboard"]'
    page.wait_for_function("document.querySelector('[data-testid=dashboard]').dataset.refreshes >= 1")
    page.wait_for_function("document.querySelector('[data-testid=dashboard]').dataset.layerIncidents >= 2")
    page.wait_for_function("document.querySelector('[data-testid=dashboard]').dataset.layerStations >= 2")
    assert page.locator("h1").inner_text().startswith("指挥一张图")
    assert page.locator("#chart-incidents canvas").count() == 1
    assert page.locator("#chart-hazards canvas").count() == 1
    attention = page.locator('[data-testid="dash-attention"] li[data-key="unconfirmed_incidents"]')
    assert attention.inner_text().startswith("2") and "尚未调派的事件" in attention.inner_text()
    assert page.locator('[data-testid="dash-figures"] tr[data-code="440304001000"] td[data-key="open_incidents"]'
                        ).inner_text() == "1"
    # A layer off by default comes when ticked.
    page.check('[data-testid="layer-risk"]')
    page.wait_for_function("document.querySelector('[data-testid=dashboard]').dataset.layerRisk !== undefined")
    assert page.get_attribute(root, "data-layer-risk") == "0"
    screenshot(page, "dashboard-desktop")

    phone = page_for(cast.commander, mobile=True)
    phone.goto("/dashboard/")
    phone.wait_for_function("document.querySelector('[data-testid=dashboard]').dataset.refreshes >= 1")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1, f"the phone page scrolls sideways ({width} px)"
    screenshot(phone, "dashboard-phone")


def test_the_wall_display_refreshes_and_has_no_menus(cast, page_for, screenshot):
    district(cast)
    page = page_for(cast.commander)
    page.goto("/dashboard/wall/")
    page.wait_for_function("document.querySelector('[data-testid=dashboard]').dataset.refreshes >= 1")
    assert page.locator(".mainnav").count() == 0
    assert page.locator('[data-testid="wall-clock"]').inner_text() != ""
    screenshot(page, "dashboard-wall")
