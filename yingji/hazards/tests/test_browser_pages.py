"""The four-colour map and the statistics in a browser: points drawn by grade, heat layer, charts."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from yingji.hazards.models import HazardStatus
from yingji.hazards.tests.builders import hazard, point

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_risk_map_and_statistics_pages(cast, page_for, screenshot):
    grades = ["red", "orange", "yellow", "blue"]
    for i in range(24):
        where = [cast.community_a, cast.community_b, cast.community_c][i % 3]
        lon = {cast.community_a: 114.01, cast.community_b: 114.02, cast.community_c: 114.06}[where]
        point(where, f"P{i:02d}", grades[i % 4], "old_residential", lon=lon + i * 0.0008, lat=22.51 + (i % 5) * 0.01,
              name=f"<b>点{i}</b>")
    now = timezone.now()
    for i in range(30):
        hazard(cast.community_a if i % 2 else cast.community_c, reported_at=now - datetime.timedelta(days=10 * i),
               deadline=now - datetime.timedelta(days=10 * i - 5), status=HazardStatus.CLOSED,
               closed_at=now - datetime.timedelta(days=10 * i - 3))
    page = page_for(cast.commander)
    page.set_default_timeout(60_000)  # a loaded 2-core machine; nothing here waits on purpose
    page.goto("/hazards/")
    page.wait_for_function("document.getElementById('riskmap').dataset.points === '24'")
    page.get_by_test_id("show-heat").check()
    page.wait_for_function("document.getElementById('riskmap').dataset.heat")
    assert page.get_by_test_id("total").inner_text() == "24"
    assert page.locator("b:text('点1')").count() == 0  # names are text, never markup
    screenshot(page, "hazards-riskmap")
    page.goto("/hazards/stats/")
    page.wait_for_function("document.body.dataset.charts === 'ready'")
    screenshot(page, "hazards-stats")
    phone = page_for(cast.officer_a, mobile=True)
    phone.set_default_timeout(60_000)
    phone.goto("/hazards/")
    phone.wait_for_function("document.getElementById('riskmap').dataset.points === '8'")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "hazards-riskmap-phone")
